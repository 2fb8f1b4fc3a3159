import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** What a CloudFormation custom resource reports back to its response URL. */
export interface CfnResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
}

export type Respond = (responseUrl: string, response: CfnResponse) => Promise<void>;

/**
 * A custom resource handler around `work`: one physical id per resource, and every outcome, errors
 * included, reported to CloudFormation, so that a deployment never waits for a timeout.
 */
export function customResourceHandler(
  respond: Respond,
  work: (event: CloudFormationCustomResourceEvent) => Promise<void>,
): (event: CloudFormationCustomResourceEvent) => Promise<void> {
  return async (event) => {
    const base = {
      PhysicalResourceId:
        event.RequestType === 'Create'
          ? `${event.LogicalResourceId}-${event.RequestId}`
          : event.PhysicalResourceId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    };
    try {
      await work(event);
      await respond(event.ResponseURL, { ...base, Status: 'SUCCESS' });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      await respond(event.ResponseURL, { ...base, Status: 'FAILED', Reason: reason.slice(0, 1000) });
    }
  };
}

/** The response URL takes a PUT with an empty content type (a pre-signed S3 URL). */
export const putCfnResponse: Respond = async (responseUrl, response) => {
  const body = JSON.stringify(response);
  const res = await fetch(responseUrl, {
    method: 'PUT',
    body,
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
  });
  if (!res.ok) throw new Error(`CloudFormation response rejected: HTTP ${res.status}`);
};
