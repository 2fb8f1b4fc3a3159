import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AdmissionStore } from '../../lambda/booking/adapters/admission-store';
import { MRSC_ALLOWED_COMMANDS } from '../../lambda/booking/adapters/dynamodb';
import { purgePersons, releasePerson } from '../../lambda/booking/adapters/person-maintenance';
import { DEFAULT_ADMISSION_LIMITS } from '../../lambda/booking/domain/admission';
import { makeCatalogueHandler } from '../../lambda/booking/handlers/catalogue';
import { makeStatusHandler } from '../../lambda/booking/handlers/status';
import { localDocumentClient } from '../helpers/dynamodb-local';
import {
  cancellation,
  delivery,
  deliverUntilSettled,
  fixture,
  message,
  oneCentre,
  personKey,
} from './harness';

// DynamoDB Local does not emulate multi-Region strong consistency: it would happily run a
// TransactWriteItems that MRSC rejects in production. So the adapters' traffic is recorded at the
// SDK and checked against what MRSC accepts, over every path (confirm, full, duplicate, already
// booked, cancellation before and after the decision, rebook over a pending cancellation, replay
// with another body, malformed, the gate, reads, progress, loading, the operator's release and purge).

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
    const canceller = personKey('mrsc-canceller');
    const booked = message('centre-a', 'two', canceller);
    const gate = new AdmissionStore(db, f.tableName, DEFAULT_ADMISSION_LIMITS);
    await gate.admit(racer, { kind: 'BOOK' }, Date.now());
    await deliverUntilSettled(
      f,
      [
        message('centre-a', 'one', personKey('mrsc-1')),
        message('centre-a', 'one', personKey('mrsc-2')),
        message('centre-a', 'two', racer),
        message('centre-a', 'one', racer),
        message('centre-a', 'missing', personKey('mrsc-3')),
        booked,
      ],
      { copies: 3, batchSize: 2, concurrency: 3 },
    );
    await gate.admit(canceller, { kind: 'CANCEL', target: booked.requestId }, Date.now());
    await f.invoke([delivery(message('centre-a', 'two', canceller))]);
    const early = message('centre-a', 'two', personKey('mrsc-early'));
    await f.invoke([delivery(cancellation(personKey('mrsc-early'), early.requestId)), delivery(early)]);
    await f.invoke([
      delivery(message('centre-a', 'one', personKey('mrsc-early'), early.requestId), 'replay'),
    ]);
    await f.invoke([delivery('{"malformed":', 'bad')]);
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
      pathParameters: { requestId: booked.requestId },
      requestContext: { authorizer: { personKey: canceller, expiresAt: Date.now() / 1000 + 60 } },
    } as never);
    await releasePerson(db, f.tableName, racer, { cancelBooking: true });
    await purgePersons(db, f.tableName, { inactiveDays: 1, now: Date.now() + 40 * 86_400_000 });
  });

  it('exercised every kind of call the adapters make', () => {
    expect(new Set(sent)).toEqual(new Set(MRSC_ALLOWED_COMMANDS));
  });

  it('issues only single-item operations MRSC accepts: no transactions, no batch writes, no TTL calls', () => {
    for (const name of sent) expect(MRSC_ALLOWED_COMMANDS).toContain(name);
    expect(sent.filter((n) => /Transact|Batch|TimeToLive|ExecuteStatement/.test(n))).toEqual([]);
  });

  it('never writes a TTL-style expiry attribute', () => {
    const written = inputs.flatMap((i) => [
      ...Object.keys((i.Item as Record<string, unknown> | undefined) ?? {}),
      ...(typeof i.UpdateExpression === 'string' ? i.UpdateExpression.split(/[\s,=]+/) : []),
    ]);
    expect(written.length).toBeGreaterThan(0);
    expect(written.filter((k) => /ttl|expire/i.test(k))).toEqual([]);
  });

  it('has no transactional or TTL call anywhere in the booking and identity Lambda sources', () => {
    for (const dir of ['../../lambda/booking', '../../lambda/identity']) {
      const root = join(__dirname, dir);
      const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
      expect(files.length).toBeGreaterThan(2);
      for (const file of files) {
        const text = readFileSync(join(root, file), 'utf8');
        expect({
          file,
          hits: text.match(
            /Transact(Write|Get)(Items)?Command|TimeToLiveCommand|BatchWrite(Item)?Command|from .@aws-lambda-powertools\/idempotency/g,
          ),
        }).toEqual({ file, hits: null });
      }
    }
  });
});
