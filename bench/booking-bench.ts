/**
 * Booking benchmark (not a test): run with
 * `npx tsx bench/booking-bench.ts [--bookings N] [--concurrency C] [--no-record]`.
 *
 * 1. Worker throughput against DynamoDB Local vs raw conditional UpdateItem calls, same document
 *    client, same number of requests in flight, same run; and the DynamoDB calls the worker made
 *    per confirmed booking (the write budget: 2 conditional writes, no read).
 * 2. Bundle size of each booking handler and authorizer (esbuild, RempartFunction's options) and
 *    its cold module-load time in a fresh Node process (median of 5).
 *
 * Appends the results to BENCHMARKS.md under "## Booking" (not with --no-record).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { buildSync } from 'esbuild';
import { CatalogueStore } from '../lambda/booking/adapters/catalogue-store';
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
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const BOOKINGS = arg('bookings', 4000);
const IN_FLIGHT = arg('concurrency', 40);
const BATCH = 10;
const RECORD = !process.argv.includes('--no-record');

/**
 * CPU seconds used so far by this process and by DynamoDB Local (Linux /proc; NaN elsewhere). On a
 * shared machine wall-clock rates drift with other people's load; CPU per operation does not.
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

async function throughput(): Promise<Record<string, number>> {
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
          // s-0..99: raw updates; s-100..199: measured bookings; s-200..299: the worker's warm-up.
          slots: Array.from({ length: slots * 3 }, (_, i) => ({
            slotId: `s-${i}`,
            startsAt: FUTURE,
            capacity,
          })),
        },
      ],
    });
    // Warm-up of both paths (the JVM's and Node's compilers), not measured.
    await rawUpdates(db, tableName, 3000, IN_FLIGHT, slots);

    // Raw rate measured before and after the worker, averaged: a shared machine's load drifts.
    const rawCpu: number[] = [];
    const raw = async () => {
      const start = performance.now();
      const cpu = cpuSeconds(local.pid);
      await rawUpdates(db, tableName, BOOKINGS, IN_FLIGHT, slots);
      rawCpu.push((cpuSeconds(local.pid) - cpu) / BOOKINGS);
      return BOOKINGS / ((performance.now() - start) / 1000);
    };

    // The worker's own DynamoDB calls, by kind (the progress cursor write, once a second, aside).
    const calls = { writes: 0, reads: 0 };
    db.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { UpdateExpression?: string };
        if (!input.UpdateExpression?.includes('processedUpTo')) {
          if (/Update|Put|Delete/.test(context.commandName ?? '')) calls.writes++;
          else calls.reads++;
        }
        return next(args);
      },
      { step: 'initialize', name: 'benchCallCounter' },
    );
    const worker = makeWorkerHandler({ db, tableName, region: 'eu-west-3', logger: silentLogger });
    const book = async (count: number, firstSlot: number, tag: string) => {
      const messages = Array.from({ length: count }, (_, i) =>
        message('bench', `s-${firstSlot + (i % slots)}`, personKey(`bench-${tag}-${i}`)),
      );
      const batches: Array<typeof messages> = [];
      for (let i = 0; i < messages.length; i += BATCH) batches.push(messages.slice(i, i + BATCH));
      let failed = 0;
      await pool(batches, Math.max(1, Math.round(IN_FLIGHT / BATCH)), async (batch) => {
        const res = await worker(sqsEvent(batch.map((m) => delivery(m))), fakeContext);
        failed += res.batchItemFailures.length;
      });
      return failed;
    };
    await book(Math.min(1000, BOOKINGS), 2 * slots, 'warm-up');

    const rawBefore = await raw();
    calls.writes = 0;
    calls.reads = 0;
    const workerStart = performance.now();
    const workerCpuStart = cpuSeconds(local.pid);
    const failures = await book(BOOKINGS, slots, 'measured');
    const workerSeconds = (performance.now() - workerStart) / 1000;
    const cpuPerBooking = (cpuSeconds(local.pid) - workerCpuStart) / BOOKINGS;
    const measuredCalls = { ...calls };
    const rawAfter = await raw();
    return {
      rawUpdatesPerSecond: (rawBefore + rawAfter) / 2,
      rawBefore,
      rawAfter,
      workerBookingsPerSecond: BOOKINGS / workerSeconds,
      cpuMsPerRawWrite: ((rawCpu[0] + rawCpu[1]) / 2) * 1000,
      cpuMsPerBooking: cpuPerBooking * 1000,
      writesPerBooking: measuredCalls.writes / BOOKINGS,
      readsPerBooking: measuredCalls.reads / BOOKINGS,
      failures,
    };
  } finally {
    stopDynamoLocal(local.pid);
  }
}

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
  const t = await throughput();
  const b = bundles();
  const ratio = t.workerBookingsPerSecond / t.rawUpdatesPerSecond;
  const lines = [
    `### ${new Date().toISOString()} — ${BOOKINGS} bookings, ${IN_FLIGHT} requests in flight, ${cpus().length} CPU(s), Node ${process.version}`,
    '',
    'Command: `npx tsx bench/booking-bench.ts' +
      (process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : '') +
      '`',
    '',
    '| measure | value |',
    '|---|---|',
    `| raw conditional UpdateItem / s (DynamoDB Local; before / after the worker) | ${t.rawUpdatesPerSecond.toFixed(0)} (${t.rawBefore.toFixed(0)} / ${t.rawAfter.toFixed(0)}) |`,
    `| worker bookings / s (same client, same in-flight) | ${t.workerBookingsPerSecond.toFixed(0)} |`,
    `| ratio worker / raw | ${ratio.toFixed(3)} (a booking is 2 conditional writes and no read: ideal 0.5; goal ≥ 0.45) |`,
    `| CPU per raw write / per booking (this process + DynamoDB Local) | ${t.cpuMsPerRawWrite.toFixed(2)} ms / ${t.cpuMsPerBooking.toFixed(2)} ms |`,
    `| ratio by CPU time (immune to other load on the machine) | ${(t.cpuMsPerRawWrite / t.cpuMsPerBooking).toFixed(3)} |`,
    `| worker DynamoDB calls per confirmed booking | ${t.writesPerBooking.toFixed(2)} conditional writes, ${t.readsPerBooking.toFixed(2)} reads |`,
    `| batch item failures | ${t.failures} |`,
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
