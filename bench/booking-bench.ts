/**
 * Booking benchmark (not a test): run with
 * `npx tsx bench/booking-bench.ts [--bookings N] [--concurrency C] [--rounds R] [--warm-up W]
 * [--no-record]`.
 *
 * 1. Worker throughput against DynamoDB Local vs raw conditional UpdateItem calls, same document
 *    client, same number of requests in flight, same run; and the DynamoDB calls the worker made
 *    per confirmed booking (the write budget: 2 conditional writes, no read). For information, the
 *    CPU of the same raw write through the worker's own send path (updateItemSender). The kinds
 *    alternate in rounds, in mirrored order, so that drift falls on all of them alike.
 * 2. Bundle size of each booking handler and authorizer (esbuild, RempartFunction's options) and
 *    its cold module-load time in a fresh Node process (median of 5).
 *
 * Appends the results to BENCHMARKS.md under "## Booking" (not with --no-record).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { buildSync } from 'esbuild';
import { CatalogueStore } from '../lambda/booking/adapters/catalogue-store';
import { updateItemSender, type UpdateItemSender } from '../lambda/booking/adapters/dynamodb';
import { makeWorkerHandler } from '../lambda/booking/handlers/worker';
import {
  createBookingTable,
  localDocumentClient,
  startDynamoLocal,
  stopDynamoLocal,
} from '../test/helpers/dynamodb-local';
import {
  FUTURE,
  delivery,
  fakeContext,
  message,
  personKey,
  pool,
  silentLogger,
  sqsEvent,
} from '../test/booking/harness';

const ROOT = join(__dirname, '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`--${name} ${process.argv[i + 1]}: expected a whole number of at least 1`);
  return value;
};
const BOOKINGS = arg('bookings', 4000);
const IN_FLIGHT = arg('concurrency', 40);
const BATCH = 10;
const ROUNDS = arg('rounds', 4);
/** Bookings run, and raw writes made, before anything is measured. */
const WARM_UP = arg('warm-up', 5000);
const RECORD = !process.argv.includes('--no-record');

/**
 * CPU seconds used so far by this process and by DynamoDB Local (Linux /proc; NaN elsewhere). On a
 * shared machine wall-clock rates drift with other people's load; CPU per operation drifts less
 * (it still grows when another process shares a core and its caches).
 */
function cpuSeconds(javaPid: number): number {
  const self = process.cpuUsage();
  try {
    const fields = readFileSync(`/proc/${javaPid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (self.user + self.system) / 1e6 + ticks / 100;
  } catch {
    return Number.NaN;
  }
}

interface Kind {
  ops: number;
  seconds: number;
  cpu: number;
  /** Per round: operations per second, CPU milliseconds per operation. */
  readonly rates: number[];
  readonly cpuMs: number[];
}

async function throughput() {
  const local = await startDynamoLocal();
  process.env.REMPART_DYNAMODB_LOCAL_ENDPOINT = local.endpoint;
  try {
    const db = localDocumentClient();
    const tableName = await createBookingTable('bench');
    const slots = 100;
    const capacity = Math.ceil(BOOKINGS / slots);
    await new CatalogueStore(db, tableName).load({
      centres: [
        {
          centreId: 'bench',
          name: 'Bench',
          city: 'Paris',
          // s-0..99: raw updates; s-100..199: measured bookings (they end full); s-200..299: the
          // worker's warm-up.
          slots: Array.from({ length: slots * 3 }, (_, i) => ({
            slotId: `s-${i}`,
            startsAt: FUTURE,
            capacity: i < 2 * slots ? capacity : Math.ceil(WARM_UP / slots),
          })),
        },
      ],
    });
    // The SQS events are built before any clock starts: composing them (and the harness's own parse
    // of each message) is API Gateway's and SQS's work, not the worker's. Built before the warm-up,
    // so that the garbage collection of building them is paid there, not by a measured run.
    const events = (count: number, firstSlot: number, tag: string) => {
      const messages = Array.from({ length: count }, (_, i) =>
        message('bench', `s-${firstSlot + (i % slots)}`, personKey(`bench-${tag}-${i}`)),
      );
      const batches: SQSEvent[] = [];
      for (let i = 0; i < messages.length; i += BATCH)
        batches.push(sqsEvent(messages.slice(i, i + BATCH).map((m) => delivery(m))));
      return batches;
    };
    const warmUpEvents = events(WARM_UP, 2 * slots, 'warm-up');
    const measured = events(BOOKINGS, slots, 'measured');

    // The worker's own DynamoDB calls, by kind (the progress cursor write, once a second, aside).
    const calls = { counting: false, writes: 0, reads: 0 };
    db.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { UpdateExpression?: string };
        if (calls.counting && !input.UpdateExpression?.includes('processedUpTo')) {
          if (/Update|Put|Delete/.test(context.commandName ?? '')) calls.writes++;
          else calls.reads++;
        }
        return next(args);
      },
      { step: 'initialize', name: 'benchCallCounter' },
    );
    const worker = makeWorkerHandler({ db, tableName, region: 'eu-west-3', logger: silentLogger });
    let failures = 0;
    const book = async (batches: readonly SQSEvent[]) => {
      await pool(batches, Math.max(1, Math.round(IN_FLIGHT / BATCH)), async (batch) => {
        const res = await worker(batch, fakeContext);
        failures += res.batchItemFailures.length;
      });
    };
    // The same raw write through the worker's own send path (low-level input, middleware resolved
    // once): not the baseline, which stays the plain document-client call; it tells how much of the
    // ratio comes from that path rather than from the worker's own work.
    const lean = updateItemSender(db);

    // Warm-up of every path, not measured. DynamoDB Local's JIT compiles lazily, for tens of
    // thousands of calls (`jstat -compiler`; test/helpers/dynamodb-local.ts). Compiling is not what
    // a write costs, and it falls on whichever path is least warmed (the worker's, with its sets and
    // maps): warm every path past it.
    await rawUpdates(db, tableName, WARM_UP, IN_FLIGHT, slots);
    await rawLeanUpdates(lean, tableName, WARM_UP / 2, IN_FLIGHT, slots);
    await book(warmUpEvents);
    failures = 0;

    // Measured in rounds that alternate the kinds in mirrored order (raw, lean, worker, then worker,
    // lean, raw, ...): DynamoDB Local keeps getting cheaper for minutes and other work on the machine
    // comes and goes, and the mirrored order makes such drift fall on every kind alike.
    const kinds = { raw: newKind(), lean: newKind(), worker: newKind() };
    const timed = async (kind: Kind, ops: number, run: () => Promise<void>) => {
      const start = performance.now();
      const cpu = cpuSeconds(local.pid);
      await run();
      const seconds = (performance.now() - start) / 1000;
      const used = cpuSeconds(local.pid) - cpu;
      kind.ops += ops;
      kind.seconds += seconds;
      kind.cpu += used;
      kind.rates.push(ops / seconds);
      kind.cpuMs.push((used / ops) * 1000);
    };
    const perRound = Math.ceil(BOOKINGS / ROUNDS);
    const rounds = Array.from({ length: ROUNDS }, (_, r) =>
      measured.slice((r * perRound) / BATCH, ((r + 1) * perRound) / BATCH),
    );
    for (const [r, batches] of rounds.entries()) {
      const bookings = batches.reduce((n, e) => n + e.Records.length, 0);
      const steps: Array<() => Promise<void>> = [
        () => timed(kinds.raw, bookings, () => rawUpdates(db, tableName, bookings, IN_FLIGHT, slots)),
        () => timed(kinds.lean, bookings, () => rawLeanUpdates(lean, tableName, bookings, IN_FLIGHT, slots)),
        async () => {
          calls.counting = true;
          await timed(kinds.worker, bookings, () => book(batches));
          calls.counting = false;
        },
      ];
      for (const step of r % 2 === 0 ? steps : steps.reverse()) await step();
    }
    return {
      kinds,
      writesPerBooking: calls.writes / kinds.worker.ops,
      readsPerBooking: calls.reads / kinds.worker.ops,
      failures,
    };
  } finally {
    stopDynamoLocal(local.pid);
  }
}

function newKind(): Kind {
  return { ops: 0, seconds: 0, cpu: 0, rates: [], cpuMs: [] };
}

const perSecond = (k: Kind) => k.ops / k.seconds;
const cpuMsPerOp = (k: Kind) => (k.cpu / k.ops) * 1000;
/** "a – b": the slowest and the fastest round. */
const spread = (values: readonly number[], digits: number) =>
  `${Math.min(...values).toFixed(digits)} – ${Math.max(...values).toFixed(digits)}`;

async function rawUpdates(
  db: ReturnType<typeof localDocumentClient>,
  tableName: string,
  n: number,
  inFlight: number,
  slots: number,
): Promise<void> {
  await pool(
    Array.from({ length: n }, (_, i) => i),
    inFlight,
    async (i) => {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: 'CENTRE#bench', sk: `SLOT#s-${i % slots}` },
          UpdateExpression: 'SET booked = booked + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    },
  );
}

async function rawLeanUpdates(
  send: UpdateItemSender,
  tableName: string,
  n: number,
  inFlight: number,
  slots: number,
): Promise<void> {
  const one = { N: '1' };
  await pool(
    Array.from({ length: n }, (_, i) => i),
    inFlight,
    async (i) => {
      await send({
        TableName: tableName,
        Key: { pk: { S: 'CENTRE#bench' }, sk: { S: `SLOT#s-${i % slots}` } },
        UpdateExpression: 'SET booked = booked + :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': one },
      });
    },
  );
}

function bundles(): Array<{ handler: string; bytes: number; coldLoadMs: number }> {
  const out = mkdtempSync(join(tmpdir(), 'rempart-bench-'));
  const handlers: Record<string, string> = {
    worker: 'lambda/booking/handlers/worker.ts',
    catalogue: 'lambda/booking/handlers/catalogue.ts',
    status: 'lambda/booking/handlers/status.ts',
    'write authorizer': 'lambda/booking/handlers/write-authorizer.ts',
    'read authorizer': 'lambda/identity/handlers/authorizer.ts',
  };
  return Object.entries(handlers).map(([handler, entry]) => {
    const outfile = join(out, `${handler.replace(' ', '-')}.js`);
    buildSync({
      entryPoints: [join(ROOT, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      minify: true,
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    // The runtime provides @aws-sdk/*: resolve it from this repository's node_modules, as Lambda would from its own.
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const times = Array.from({ length: 5 }, () =>
      Number(
        execFileSync(process.execPath, ['-e', script], {
          cwd: ROOT,
          env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
        }).toString(),
      ),
    ).sort((a, b) => a - b);
    return { handler, bytes: statSync(outfile).size, coldLoadMs: times[2] };
  });
}

async function main(): Promise<void> {
  // Other work on the machine skews even the CPU figures (shared caches and cores): say how busy it was.
  const loadBefore = loadavg()[0];
  const t = await throughput();
  const loadAfter = loadavg()[0];
  const b = bundles();
  const { raw, lean, worker } = t.kinds;
  const ratio = perSecond(worker) / perSecond(raw);
  const lines = [
    `### ${new Date().toISOString()} — ${BOOKINGS} bookings, ${IN_FLIGHT} requests in flight, ${cpus().length} CPU(s), Node ${process.version}`,
    '',
    'Command: `npx tsx bench/booking-bench.ts' +
      (process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : '') +
      '`',
    '',
    `Measured in ${ROUNDS} rounds, each running ${Math.ceil(BOOKINGS / ROUNDS)} raw writes, as many through the worker's send path and as many bookings, in mirrored order; each figure is the total over the rounds (slowest – fastest round in brackets).`,
    '',
    '| measure | value |',
    '|---|---|',
    `| raw conditional UpdateItem / s (DynamoDB Local, document client) | ${perSecond(raw).toFixed(0)} (${spread(raw.rates, 0)}) |`,
    `| worker bookings / s (same client, same in-flight) | ${perSecond(worker).toFixed(0)} (${spread(worker.rates, 0)}) |`,
    `| ratio worker / raw | ${ratio.toFixed(3)} (a booking is 2 conditional writes and no read: ideal 0.5; goal ≥ 0.45) |`,
    `| CPU per raw write / per booking (this process + DynamoDB Local) | ${cpuMsPerOp(raw).toFixed(2)} ms (${spread(raw.cpuMs, 2)}) / ${cpuMsPerOp(worker).toFixed(2)} ms (${spread(worker.cpuMs, 2)}) |`,
    `| ratio by CPU time (steadier than wall time, not immune to other load: see the load average) | ${(cpuMsPerOp(raw) / cpuMsPerOp(worker)).toFixed(3)} |`,
    `| for information: CPU per raw write through the worker's send path (low-level input, middleware resolved once), and the ratio by CPU time against it | ${cpuMsPerOp(lean).toFixed(2)} ms (${spread(lean.cpuMs, 2)}), ${(cpuMsPerOp(lean) / cpuMsPerOp(worker)).toFixed(3)} |`,
    `| worker DynamoDB calls per confirmed booking | ${t.writesPerBooking.toFixed(2)} conditional writes, ${t.readsPerBooking.toFixed(2)} reads |`,
    `| batch item failures | ${t.failures} |`,
    `| machine load average (1 min) before / after the throughput runs | ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)} |`,
    ...b.map(
      (x) =>
        `| ${x.handler}: bundle / cold module load | ${(x.bytes / 1024).toFixed(1)} KiB / ${x.coldLoadMs.toFixed(1)} ms |`,
    ),
    '',
  ];
  console.log(lines.join('\n'));
  if (!RECORD) return;
  const file = join(ROOT, 'BENCHMARKS.md');
  if (!existsSync(file)) writeFileSync(file, '# Benchmarks\n\n');
  if (!readFileSync(file, 'utf8').includes('\n## Booking\n')) {
    appendFileSync(
      file,
      '\n## Booking\n\nWorker throughput against DynamoDB Local (a Java emulator on the same machine: compare the ratio, not the absolute figures), handler bundle sizes and cold module-load times. Produced by `npx tsx bench/booking-bench.ts`.\n\n',
    );
  }
  appendFileSync(file, lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
