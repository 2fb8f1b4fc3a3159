import type { APIGatewayProxyResult } from 'aws-lambda';

/**
 * Liveness of the Region's compute path. Route 53 failover does not use it on its own: a Region is
 * judged by its composite health alarm, of which this is one input.
 */
export function handler(): Promise<APIGatewayProxyResult> {
  return Promise.resolve({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ status: 'ok', region: process.env.AWS_REGION ?? 'unknown' }),
  });
}
