import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MRSC_ALLOWED_COMMANDS } from '../../lambda/booking/adapters/dynamodb';
import { makeStatusHandler } from '../../lambda/booking/handlers/status';
import { makeCatalogueHandler } from '../../lambda/booking/handlers/catalogue';
import { localDocumentClient } from '../helpers/dynamodb-local';
import { delivery, deliverUntilSettled, fixture, message, oneCentre, personKey } from './harness';

// DynamoDB Local does not emulate multi-Region strong consistency: it would happily run a
// TransactWriteItems that MRSC rejects in production. So the adapters' traffic is recorded at the
// SDK and checked against what MRSC accepts, over every path (confirm, full, duplicate, busy
// person, compensation, malformed, reads, progress, loading).

describe('MRSC compatibility of the booking adapters', () => {
  const sent: string[] = [];
  const inputs: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const db = localDocumentClient();
    db.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName ?? 'unknown');
        inputs.push(args.input as Record<string, unknown>);
        return next(args);
      },
      { step: 'initialize', name: 'rempartCommandRecorder' },
    );
    const f = await fixture(
      oneCentre([
        { slotId: 'one', capacity: 1 },
        { slotId: 'two', capacity: 2 },
      ]),
      db,
    );
    const racer = personKey('mrsc-racer');
    await deliverUntilSettled(
      f,
      [
        message('centre-a', 'one', personKey('mrsc-1')),
        message('centre-a', 'one', personKey('mrsc-2')),
        message('centre-a', 'two', racer),
        message('centre-a', 'one', racer),
        message('centre-a', 'missing', personKey('mrsc-3')),
      ],
      { copies: 3, batchSize: 2, concurrency: 3 },
    );
    await f.invoke([delivery('{"malformed":', 'bad')]).catch(() => undefined);
    const catalogue = makeCatalogueHandler({ db, tableName: f.tableName, cacheSeconds: 5 });
    await catalogue({ resource: '/api/centres' } as never);
    await catalogue({
      resource: '/centres/{centreId}/slots',
      pathParameters: { centreId: 'centre-a' },
    } as never);
    const status = makeStatusHandler({ db, tableName: f.tableName });
    await status({ resource: '/api/progress' } as never);
    await status({
      resource: '/bookings/{requestId}',
      pathParameters: { requestId: 'req-00000000' },
    } as never);
  });

  it('exercised every kind of call the adapters make', () => {
    expect(new Set(sent)).toEqual(new Set(MRSC_ALLOWED_COMMANDS));
  });

  it('issues only single-item operations MRSC accepts: no transactions, no batch writes, no TTL calls', () => {
    for (const name of sent) expect(MRSC_ALLOWED_COMMANDS).toContain(name);
    expect(sent.filter((n) => /Transact|Batch|TimeToLive|ExecuteStatement/.test(n))).toEqual([]);
  });

  it('never writes a TTL-style expiry attribute', () => {
    const written = inputs.flatMap((i) => Object.keys((i.Item as Record<string, unknown> | undefined) ?? {}));
    expect(written.length).toBeGreaterThan(0);
    expect(written.filter((k) => /ttl|expire/i.test(k))).toEqual([]);
  });

  it('has no transactional or TTL call anywhere in the booking Lambda sources', () => {
    const root = join(__dirname, '../../lambda/booking');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      expect({
        file,
        hits: text.match(
          /Transact(Write|Get)(Items)?Command|TimeToLiveCommand|BatchWrite(Item)?Command|from .@aws-lambda-powertools\/idempotency/g,
        ),
      }).toEqual({
        file,
        hits: null,
      });
    }
  });
});
