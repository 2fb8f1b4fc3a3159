import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CatalogueStore } from '../adapters/catalogue-store';
import { documentClient } from '../adapters/dynamodb';
import { CENTRE_ID } from '../domain/model';
import { badRequest, listAnswer } from '../domain/views';
import { pathParameter, requiredEnv, toProxyResult } from './http';

export interface CatalogueDeps {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Seconds CloudFront and browsers may keep a list. */
  readonly cacheSeconds: number;
}

export type CatalogueHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** GET /centres and GET /centres/{centreId}/slots: cacheable lists (see views.ts). */
export function makeCatalogueHandler(deps: CatalogueDeps): CatalogueHandler {
  const store = new CatalogueStore(deps.db, deps.tableName);
  return async (event) => {
    if (event.resource.endsWith('/centres')) {
      return toProxyResult(listAnswer({ centres: await store.listCentres() }, deps.cacheSeconds));
    }
    const centreId = pathParameter(event, 'centreId');
    if (!centreId || !CENTRE_ID.test(centreId))
      return toProxyResult(badRequest('centreId is not a centre id'));
    // An unknown centre has no slots: answer an empty (cacheable) list rather than a second read.
    return toProxyResult(listAnswer({ centreId, slots: await store.listSlots(centreId) }, deps.cacheSeconds));
  };
}

let cached: CatalogueHandler | undefined;

export const handler: CatalogueHandler = (event) => {
  cached ??= makeCatalogueHandler({
    db: documentClient(),
    tableName: requiredEnv('TABLE_NAME'),
    cacheSeconds: Number(requiredEnv('READ_CACHE_SECONDS')),
  });
  return cached(event);
};
