import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { DynamoAdmissionStore } from '../../lambda/admission/adapters/admission-store';
import { controllerStep } from '../../lambda/admission/domain/controller';
import { enter } from '../../lambda/admission/domain/enter';
import { recordJoins } from '../../lambda/admission/domain/join';
import { sha256Base64url } from '../../lambda/admission/domain/model';
import { OPENING, secretOf, seedFor, testSettings, ticketIdAt } from '../admission/memory-port';
import { createBookingTable, localDocumentClient } from './dynamodb-local';
import { leanDocumentClient, type LeanOperation } from './dynamodb-local-lean';

// The lean client stands in for the SDK in the opening simulation: each command it supports must
// answer as the SDK's document client does, values, pages and errors alike.

/** An item with its partition key (the client's name here) left out of the comparison. */
const samePk = (item: unknown) => ({ ...(item as Record<string, unknown>), pk: 'x' });

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: Error) => e.name,
  );

describe('the lean DynamoDB Local client answers as the SDK document client does', () => {
  let table: string;
  let sdk: DynamoDBDocumentClient;
  let lean: DynamoDBDocumentClient;
  const seen: LeanOperation[] = [];

  beforeAll(async () => {
    table = await createBookingTable('lean');
    sdk = localDocumentClient();
    lean = leanDocumentClient({ onCall: (op) => seen.push(op) });
  });
  afterAll(() => {
    sdk.destroy();
    lean.destroy();
  });

  const both = async (make: (client: string) => object) => {
    const viaSdk = (await sdk.send(make('sdk') as never)) as Record<string, unknown>;
    const viaLean = (await lean.send(make('lean') as never)) as Record<string, unknown>;
    delete viaSdk.$metadata;
    delete viaLean.$metadata;
    return { viaSdk, viaLean };
  };

  it('puts, gets and deletes items of every value type the adapters write', async () => {
    const item = {
      s: 'text',
      n: 42,
      f: 1.5,
      big: 1_767_000_000_000,
      yes: true,
      nothing: null,
      ns: new Set([3, 1, 2]),
      ss: new Set(['a', 'b']),
      list: [1, 'two', [3], { four: 4 }],
      map: { nested: { deeper: ['x'] }, n: -7 },
      absent: undefined,
    };
    const put = await both(
      (c) => new PutCommand({ TableName: table, Item: { pk: c, sk: 'item', ...item }, ReturnValues: 'NONE' }),
    );
    expect(put.viaLean).toEqual(put.viaSdk);
    const got = await both(
      (c) => new GetCommand({ TableName: table, Key: { pk: c, sk: 'item' }, ConsistentRead: true }),
    );
    expect(samePk(got.viaLean.Item)).toEqual(samePk(got.viaSdk.Item));
    expect(got.viaLean.Item).toMatchObject({ n: 42, ns: new Set([1, 2, 3]), map: { n: -7 } });
    expect(got.viaLean.Item).not.toHaveProperty('absent');
    const missing = await both((c) => new GetCommand({ TableName: table, Key: { pk: c, sk: 'none' } }));
    expect(missing.viaLean).toEqual(missing.viaSdk);
    expect(missing.viaLean.Item).toBeUndefined();
    const deleted = await both(
      (c) => new DeleteCommand({ TableName: table, Key: { pk: c, sk: 'item' }, ReturnValues: 'ALL_OLD' }),
    );
    expect(samePk(deleted.viaLean.Attributes)).toEqual(samePk(deleted.viaSdk.Attributes));
  });

  it('updates with sets and counters, returns the same attributes, and fails conditions by the same name', async () => {
    for (const position of [5, 9]) {
      const updated = await both(
        (c) =>
          new UpdateCommand({
            TableName: table,
            Key: { pk: c, sk: 'entries' },
            UpdateExpression: 'ADD #n :one, #ps :position',
            ConditionExpression: 'NOT contains(#ps, :p)',
            ExpressionAttributeNames: { '#n': 'n', '#ps': 'ps' },
            ExpressionAttributeValues: { ':one': 1, ':position': new Set([position]), ':p': position },
            ReturnValues: 'ALL_NEW',
          }),
      );
      expect(samePk(updated.viaLean.Attributes)).toEqual(samePk(updated.viaSdk.Attributes));
    }
    const again = (db: DynamoDBDocumentClient, c: string) =>
      errorOf(
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: c, sk: 'entries' },
            UpdateExpression: 'ADD #ps :position',
            ConditionExpression: 'NOT contains(#ps, :p)',
            ExpressionAttributeNames: { '#ps': 'ps' },
            ExpressionAttributeValues: { ':position': new Set([5]), ':p': 5 },
          }),
        ),
      );
    expect(await again(lean, 'lean')).toBe(await again(sdk, 'sdk'));
    expect(await again(lean, 'lean')).toBe('ConditionalCheckFailedException');
    const conditionalPut = (db: DynamoDBDocumentClient, c: string) =>
      errorOf(
        db.send(
          new PutCommand({
            TableName: table,
            Item: { pk: c, sk: 'entries' },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    expect(await conditionalPut(lean, 'lean')).toBe('ConditionalCheckFailedException');
    expect(await conditionalPut(sdk, 'sdk')).toBe('ConditionalCheckFailedException');
    const counter = await both(
      (c) =>
        new UpdateCommand({
          TableName: table,
          Key: { pk: c, sk: 'counter' },
          UpdateExpression: 'ADD #next :n',
          ExpressionAttributeNames: { '#next': 'next' },
          ExpressionAttributeValues: { ':n': 10 },
          ReturnValues: 'UPDATED_NEW',
        }),
    );
    expect(counter.viaLean).toEqual(counter.viaSdk);
    expect(counter.viaLean.Attributes).toEqual({ next: 10 });
    // A request DynamoDB refuses outright is refused by name too.
    const invalid = (db: DynamoDBDocumentClient) =>
      errorOf(db.send(new GetCommand({ TableName: 'no-such-table', Key: { pk: 'a', sk: 'b' } })));
    expect(await invalid(lean)).toBe(await invalid(sdk));
  });

  it('queries page by page, with the same items, keys and projections', async () => {
    for (let i = 0; i < 25; i++) {
      await sdk.send(
        new PutCommand({ TableName: table, Item: { pk: 'pages', sk: `k${String(i).padStart(2, '0')}`, i } }),
      );
    }
    const pages = async (db: DynamoDBDocumentClient) => {
      const out: unknown[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const res = await db.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk AND sk > :after',
            ExpressionAttributeValues: { ':pk': 'pages', ':after': 'k03' },
            ProjectionExpression: 'sk, i',
            ExclusiveStartKey: start,
            Limit: 7,
          }),
        );
        out.push({ items: res.Items, count: res.Count, last: res.LastEvaluatedKey });
        start = res.LastEvaluatedKey;
      } while (start);
      return out;
    };
    const viaLean = await pages(lean);
    expect(viaLean).toEqual(await pages(sdk));
    expect(viaLean).toHaveLength(4);
  });

  it('leaves the same items as the SDK when the admission adapter runs a join, a seal and an entry', async () => {
    const settings = testSettings({ admitPerSecond: 4 });
    const run = async (db: DynamoDBDocumentClient) => {
      const name = await createBookingTable('lean-admission');
      const clock = { now: OPENING - 5_000 };
      const store = new DynamoAdmissionStore(db, name, settings, { now: () => clock.now });
      const joins = Array.from({ length: 12 }, (_, n) => ({
        ticketId: ticketIdAt(OPENING - 60_000 + n, n),
        acceptedAt: OPENING - 60_000 + n,
        secretHash: sha256Base64url(secretOf(n)),
        cohort: 'general',
      }));
      await recordJoins(store, settings, { region: 'eu-west-3', shard: 2 }, joins.slice(0, 10), clock.now);
      const again = await recordJoins(store, settings, { region: 'eu-west-3', shard: 3 }, joins, clock.now);
      const seeds = seedFor('lean');
      const outcomes: unknown[] = [again];
      for (let k = 0; k < 8; k++) {
        clock.now = OPENING + k * settings.stepSeconds * 1000;
        outcomes.push(
          await controllerStep(store, settings, { now: clock.now, region: 'eu-west-3', randomSeed: seeds }),
        );
        for (let n = 0; n < joins.length; n++) {
          const ticketId = joins[n]?.ticketId;
          outcomes.push(await enter(store, settings, { ticketId, secret: secretOf(n) }, clock.now + 500));
        }
      }
      const items = await sdk.send(new ScanCommand({ TableName: name, ConsistentRead: true }));
      return {
        outcomes,
        items: (items.Items ?? []).sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`)),
      };
    };
    const viaSdk = await run(sdk);
    const viaLean = await run(lean);
    expect(viaLean).toEqual(viaSdk);
    expect(viaLean.outcomes.filter((o) => (o as { kind?: string }).kind === 'admitted')).not.toHaveLength(0);
  });

  it('refuses commands it does not speak, naming the fix', async () => {
    await expect(lean.send(new ScanCommand({ TableName: table }))).rejects.toThrow(
      /ScanCommand is not supported. Fix: use localDocumentClient\(\)/,
    );
    expect(new Set(seen)).toEqual(new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query']));
  });
});
