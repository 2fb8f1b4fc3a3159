import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The only DynamoDB operations the booking adapters issue. Every one is allowed on a
 * multi-Region strongly consistent (MRSC) global table: no TransactWriteItems / TransactGetItems
 * (MRSC rejects them), no TTL. A test records every command sent and checks it against this list.
 * DeleteItem and Scan are the operator's retention purge only (lambda/booking/cli/purge-persons.ts).
 */
export const MRSC_ALLOWED_COMMANDS = [
  'GetItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'QueryCommand',
  'ScanCommand',
] as const;

/** One document client per execution environment (module scope), reused by every invocation. */
export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4, ...config }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Name of the error (SDK exceptions carry `name`). */
export function errorName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}

const CONFLICT = 'ReplicatedWriteConflictException';

/**
 * Retry a single-item write that MRSC refused because another Region wrote the same item at the same
 * time. The caller's condition expression is evaluated again on each attempt, so a retry is safe.
 */
export async function retryOnReplicatedConflict<T>(op: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (e) {
      if (errorName(e) !== CONFLICT || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** i));
    }
  }
}
