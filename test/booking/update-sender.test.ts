import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { HttpResponse, type HttpRequest } from '@smithy/core/transport';
import { documentClient, updateItemSender } from '../../lambda/booking/adapters/dynamodb';

// updateItemSender resolves the client's middleware once and reuses it for every call, as the SDK's
// cacheMiddleware does. What must never happen: a call going out with another call's input (the
// reason DynamoDBDocumentClient refuses cacheMiddleware for its own commands), or a recorder that
// was on the client before the first call missing some calls.

/** A DynamoDB endpoint in memory: answers every request with `body` and keeps what it received. */
function fakeEndpoint(answer: (request: HttpRequest) => { status: number; body: string }) {
  const received: Array<Record<string, unknown>> = [];
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      const sent = request.body as unknown;
      const text = typeof sent === 'string' ? sent : new TextDecoder().decode(sent as Uint8Array);
      received.push(JSON.parse(text) as Record<string, unknown>);
      // Yield, so that concurrent calls interleave inside the shared handler.
      await new Promise((r) => setImmediate(r));
      const { status, body } = answer(request);
      return {
        response: new HttpResponse({
          statusCode: status,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: new TextEncoder().encode(body),
        }),
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return { received, requestHandler };
}

const config = (requestHandler: unknown) => ({
  region: 'eu-west-3',
  endpoint: 'http://127.0.0.1:1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
  requestHandler: requestHandler as never,
});

describe('updateItemSender', () => {
  afterEach(() => jest.restoreAllMocks());

  it('resolves the middleware once, yet sends each of 50 concurrent calls with its own input', async () => {
    const endpoint = fakeEndpoint(() => ({ status: 200, body: '{}' }));
    const db = documentClient(config(endpoint.requestHandler));
    const resolve = jest.spyOn(UpdateItemCommand.prototype, 'resolveMiddleware');
    const seen: string[] = [];
    db.middlewareStack.add(
      (next) => async (args) => {
        const key = (args.input as { Key?: { sk?: { S?: string } } }).Key?.sk?.S;
        seen.push(String(key));
        return next(args);
      },
      { step: 'initialize', name: 'testRecorder' },
    );
    const send = updateItemSender(db);
    const ids = Array.from({ length: 50 }, (_, i) => `item-${i}`);
    await Promise.all(
      ids.map((id) =>
        send({
          TableName: 't',
          Key: { pk: { S: 'p' }, sk: { S: id } },
          UpdateExpression: 'SET v = :v',
          ExpressionAttributeValues: { ':v': { S: `value-of-${id}` } },
        }),
      ),
    );
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(seen.sort()).toEqual([...ids].sort());
    const wire = endpoint.received.map((body) => ({
      key: (body.Key as { sk: { S: string } }).sk.S,
      value: (body.ExpressionAttributeValues as Record<string, { S: string }>)[':v'].S,
    }));
    expect(wire).toHaveLength(50);
    for (const { key, value } of wire) expect(value).toBe(`value-of-${key}`);
    expect(new Set(wire.map((w) => w.key)).size).toBe(50);
  });

  it('hands a refused write to the caller as the SDK does: its name and the item returned with it', async () => {
    const endpoint = fakeEndpoint(() => ({
      status: 400,
      body: JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
        Item: { booked: { N: '3' } },
      }),
    }));
    const send = updateItemSender(documentClient(config(endpoint.requestHandler)));
    const input = {
      TableName: 't',
      Key: { pk: { S: 'p' }, sk: { S: 's' } },
      UpdateExpression: 'SET booked = booked + :one',
      ConditionExpression: 'booked < :cap',
      ExpressionAttributeValues: { ':one': { N: '1' }, ':cap': { N: '3' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    for (let i = 0; i < 2; i++) {
      await expect(send(input)).rejects.toMatchObject({
        name: 'ConditionalCheckFailedException',
        Item: { booked: { N: '3' } },
      });
    }
    expect(endpoint.received).toHaveLength(2);
  });
});
