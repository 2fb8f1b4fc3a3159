import {
  DynamoDBClient,
  UpdateItemCommand,
  type DynamoDBClientConfig,
  type UpdateItemCommandInput,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
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

/** Sends one low-level UpdateItem (AttributeValue maps, no marshalling) and resolves to its output. */
export type UpdateItemSender = (input: UpdateItemCommandInput) => Promise<UpdateItemCommandOutput>;

/**
 * UpdateItem over `client`'s own middleware stack and configuration, with the stack resolved once
 * (on the first call) instead of on every call. This is what the SDK's `cacheMiddleware` option
 * does per command class; DynamoDBDocumentClient refuses that option because its own commands keep
 * per-call state in their resolved handler, which low-level commands do not. Measured on the
 * booking worker: resolving the stack (cloning and sorting ~40 middlewares) is about half of the
 * SDK's CPU per call, and each booking makes two calls.
 *
 * As with `cacheMiddleware`, middleware added to the client after the first call is not seen.
 */
export function updateItemSender(client: DynamoDBClient | DynamoDBDocumentClient): UpdateItemSender {
  let handler: ReturnType<UpdateItemCommand['resolveMiddleware']> | undefined;
  return async (input) => {
    const command = new UpdateItemCommand(input);
    // The document client shares the stack and configuration of the DynamoDBClient it wraps
    // (DynamoDBDocumentClient.from), so both are a DynamoDBClient's at run time.
    handler ??= command.resolveMiddleware(
      client.middlewareStack as DynamoDBClient['middlewareStack'],
      client.config,
      undefined,
    );
    // Client.send passes the command itself as the handler's arguments: so does this.
    return (await handler(command)).output;
  };
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
