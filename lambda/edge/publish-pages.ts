import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { customResourceHandler, putCfnResponse, type CfnResponse } from '../shared/custom-resource';

export type { CfnResponse };

/** One static object to write, as declared in the custom resource's properties. */
export interface PageObject {
  readonly key: string;
  readonly body: string;
  readonly contentType: string;
  readonly cacheControl: string;
}

export interface PublishRequest {
  readonly bucketName: string;
  readonly pages: readonly PageObject[];
}

/** What CloudFormation expects at the pre-signed ResponseURL. */
export interface PublishDeps {
  putObject(bucketName: string, page: PageObject): Promise<void>;
  respond(responseUrl: string, response: CfnResponse): Promise<void>;
}

/** Validate the custom resource properties; CloudFormation passes every value as a string. */
export function parseRequest(properties: Record<string, unknown>): PublishRequest {
  const bucketName = properties.BucketName;
  const pages = properties.Pages;
  if (typeof bucketName !== 'string' || bucketName === '') throw new Error('BucketName is missing');
  if (!Array.isArray(pages) || pages.length === 0) throw new Error('Pages is missing or empty');
  return {
    bucketName,
    pages: pages.map((p: unknown, i) => {
      const page = (p ?? {}) as Record<string, unknown>;
      for (const field of ['Key', 'Body', 'ContentType', 'CacheControl']) {
        if (typeof page[field] !== 'string' || page[field] === '')
          throw new Error(`Pages[${i}].${field} is missing`);
      }
      return {
        key: page.Key as string,
        body: page.Body as string,
        contentType: page.ContentType as string,
        cacheControl: page.CacheControl as string,
      };
    }),
  };
}

/**
 * Custom resource that writes small static pages (the "retry" page) into a bucket. Delete leaves
 * the objects: the bucket is retained with its stack's other logs and pages. Every error is
 * reported to CloudFormation as FAILED, so a deployment never waits for a timeout.
 */
export function makeHandler(deps: PublishDeps): (event: CloudFormationCustomResourceEvent) => Promise<void> {
  return customResourceHandler(
    (url, response) => deps.respond(url, response),
    async (event) => {
      if (event.RequestType !== 'Delete') {
        const request = parseRequest(event.ResourceProperties);
        for (const page of request.pages) await deps.putObject(request.bucketName, page);
      }
    },
  );
}

interface S3Module {
  S3Client: new () => { send(command: unknown): Promise<unknown> };
  PutObjectCommand: new (input: Record<string, unknown>) => unknown;
}

// The AWS SDK v3 S3 client ships with the Lambda runtime; loaded by name so that it is not bundled.
const S3_MODULE = '@aws-sdk/client-s3';
let s3: Promise<{ client: { send(command: unknown): Promise<unknown> }; module: S3Module }> | undefined;

const runtimeDeps: PublishDeps = {
  async putObject(bucketName, page) {
    s3 ??= (import(S3_MODULE) as Promise<S3Module>).then((module) => ({
      module,
      client: new module.S3Client(),
    }));
    const { client, module } = await s3;
    await client.send(
      new module.PutObjectCommand({
        Bucket: bucketName,
        Key: page.key,
        Body: page.body,
        ContentType: page.contentType,
        CacheControl: page.cacheControl,
      }),
    );
  },
  respond: putCfnResponse,
};

export const handler = makeHandler(runtimeDeps);
