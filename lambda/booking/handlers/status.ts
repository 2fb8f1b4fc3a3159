import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CatalogueStore } from '../adapters/catalogue-store';
import { documentClient } from '../adapters/dynamodb';
import { REQUEST_ID } from '../domain/model';
import { badRequest, progressAnswer, statusAnswer } from '../domain/views';
import { pathParameter, requiredEnv, toProxyResult } from './http';

export interface StatusDeps {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => number;
}

export type StatusHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** GET /bookings/{requestId} (one outcome) and GET /progress (the shared, cacheable cursor). */
export function makeStatusHandler(deps: StatusDeps): StatusHandler {
  const store = new CatalogueStore(deps.db, deps.tableName);
  const now = deps.now ?? Date.now;
  return async (event) => {
    if (event.resource.endsWith('/progress'))
      return toProxyResult(progressAnswer(await store.listProgress(), now()));
    const requestId = pathParameter(event, 'requestId');
    if (!requestId || !REQUEST_ID.test(requestId))
      return toProxyResult(badRequest('requestId is not a booking request id'));
    return toProxyResult(statusAnswer(requestId, await store.getOutcome(requestId)));
  };
}

let cached: StatusHandler | undefined;

export const handler: StatusHandler = (event) => {
  cached ??= makeStatusHandler({ db: documentClient(), tableName: requiredEnv('TABLE_NAME') });
  return cached(event);
};
