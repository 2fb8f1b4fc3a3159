// A synchronous handler for the RempartFunction example: answers API Gateway (proxy integration).
import type { APIGatewayProxyResult } from 'aws-lambda';

export function handler(): Promise<APIGatewayProxyResult> {
  return Promise.resolve({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ status: 'ok' }),
  });
}
