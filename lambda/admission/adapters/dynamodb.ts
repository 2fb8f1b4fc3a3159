import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The only DynamoDB operations the admission adapters issue: single-item reads and conditional
 * writes, and queries on one partition key. All are allowed on a multi-Region strongly consistent
 * (MRSC) global table: no TransactWriteItems / TransactGetItems (MRSC rejects them), no batch call,
 * no scan, no TTL. A test records every command sent and checks it against this list.
 */
export const ADMISSION_ALLOWED_COMMANDS = [
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'QueryCommand',
] as const;

/** The IAM actions matching ADMISSION_ALLOWED_COMMANDS, for the construct's grants. */
export const ADMISSION_TABLE_ACTIONS = {
  joinConsumer: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  controller: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  sweep: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
  origin: ['dynamodb:GetItem'],
  enter: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
} as const;

/** One document client per execution environment (module scope), reused by every invocation. */
export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4, ...config }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function errorName(e: unknown): string {
  return typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string' ? e.name : '';
}

/**
 * MRSC refuses a write to an item that another Region is writing at the same moment
 * (ReplicatedWriteConflictException); it is safe to retry. Retried here with jitter, on top of the
 * SDK's own retries, because counters and entry records are written from both Regions.
 */
export async function withConflictRetry<T>(write: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await write();
    } catch (e) {
      if (errorName(e) !== 'ReplicatedWriteConflictException' || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * 2 ** i));
    }
  }
}
