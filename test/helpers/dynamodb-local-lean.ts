import { Agent, request } from 'node:http';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { localEndpoint } from './dynamodb-local';

/**
 * The document commands the admission adapter sends, spoken directly in DynamoDB's JSON protocol
 * to DynamoDB Local, for simulations of hundreds of thousands of calls (test/admission/opening.db.test.ts).
 *
 * Why: per call, the SDK's middleware (endpoint rules, retries, user agent, schema serde, its whole
 * configuration spread into every context) costs about as much CPU as DynamoDB Local spends
 * answering (~0.8 ms, measured on 2 cores, where both share the CPU); here a call is one keep-alive
 * HTTP request and costs ~0.35 ms, about half of it the socket write itself.
 *
 * Same values as the SDK's document client: its own marshall/unmarshall with the handlers' options
 * (removeUndefinedValues), applied to the same members; errors carry the service's error name, as
 * SDK exceptions do. Nothing else: no retries (DynamoDB Local neither throttles nor fails over), no
 * signing. test/helpers/dynamodb-local-lean.db.test.ts sends each command through both clients
 * and compares the answers; every other test uses the SDK (localDocumentClient).
 */
export interface LeanClientOptions {
  /** Called with the operation name (`PutItem`, …) before each request, e.g. to count calls. */
  readonly onCall?: (operation: LeanOperation) => void;
  /** Connections kept open to DynamoDB Local. @default 64 */
  readonly maxSockets?: number;
}

export type LeanOperation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query';

type Input = Record<string, unknown>;
type AttributeMap = Record<string, NativeAttributeValue>;

/** Members holding native values, by operation (lib-dynamodb's key nodes for these commands). */
const MARSHALLED_IN: Record<LeanOperation, readonly string[]> = {
  GetItem: ['Key'],
  PutItem: ['Item', 'ExpressionAttributeValues'],
  UpdateItem: ['Key', 'ExpressionAttributeValues'],
  DeleteItem: ['Key', 'ExpressionAttributeValues'],
  Query: ['ExpressionAttributeValues', 'ExclusiveStartKey'],
};
const MAPS_OUT = ['Item', 'Attributes', 'LastEvaluatedKey'] as const;
const MARSHALL_OPTIONS = { removeUndefinedValues: true, convertTopLevelContainer: true } as const;

function operationOf(command: unknown): LeanOperation {
  if (command instanceof GetCommand) return 'GetItem';
  if (command instanceof PutCommand) return 'PutItem';
  if (command instanceof UpdateCommand) return 'UpdateItem';
  if (command instanceof DeleteCommand) return 'DeleteItem';
  if (command instanceof QueryCommand) return 'Query';
  throw new Error(
    `lean DynamoDB Local client: ${(command as object).constructor.name} is not supported. Fix: use localDocumentClient() for it`,
  );
}

/** Each value of a native map to an AttributeValue, as lib-dynamodb does member by member. */
function marshallMap(map: AttributeMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(map)) {
    if (v !== undefined) out[k] = marshall(v, MARSHALL_OPTIONS);
  }
  return out;
}

/** An error shaped like the SDK's service exceptions: `name` is the service's error code. */
class LocalServiceError extends Error {
  constructor(
    name: string,
    message: string,
    readonly $metadata: { readonly httpStatusCode: number },
  ) {
    super(message);
    this.name = name;
  }
}

export function leanDocumentClient(options: LeanClientOptions = {}): DynamoDBDocumentClient {
  const url = new URL(localEndpoint());
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const post = (operation: LeanOperation, body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          agent,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `DynamoDB_20120810.${operation}`,
            // DynamoDB Local checks that a credential is named, never the signature.
            authorization:
              'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-3/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const send = async (command: unknown): Promise<Record<string, unknown>> => {
    const operation = operationOf(command);
    options.onCall?.(operation);
    const input: Input = { ...(command as { input: Input }).input };
    for (const member of MARSHALLED_IN[operation]) {
      const value = input[member];
      if (value !== undefined) input[member] = marshallMap(value as AttributeMap);
    }
    const { status, text } = await post(operation, JSON.stringify(input));
    const output = JSON.parse(text || '{}') as Record<string, unknown>;
    if (status !== 200) {
      const type = typeof output.__type === 'string' ? output.__type : `HTTP${status}`;
      const message = [output.message, output.Message].find((m) => typeof m === 'string') ?? type;
      throw new LocalServiceError(type.slice(type.lastIndexOf('#') + 1), message, {
        httpStatusCode: status,
      });
    }
    for (const member of MAPS_OUT) {
      if (output[member] !== undefined) output[member] = unmarshall(output[member] as never);
    }
    if (Array.isArray(output.Items)) output.Items = output.Items.map((item) => unmarshall(item as never));
    return { ...output, $metadata: { httpStatusCode: status } };
  };

  return {
    send,
    destroy: () => agent.destroy(),
  } as unknown as DynamoDBDocumentClient;
}
