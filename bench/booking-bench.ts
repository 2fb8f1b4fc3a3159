/**
 * Booking benchmark (not a test): run with `npx tsx bench/booking-bench.ts [--bookings N] [--concurrency C]`.
 *
 * 1. Worker throughput against DynamoDB Local vs raw conditional UpdateItem calls, same document
 *    client, same number of requests in flight, same run.
 * 2. Bundle size of each booking handler (esbuild, RempartFunction's options) and its cold
 *    module-load time in a fresh Node process (median of 5).
 *
 * Appends the results to BENCHMARKS.md under "## Booking".
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { buildSync } from 'esbuild';
import { CatalogueStore } from '../lambda/booking/adapters/catalogue-store';
import type { BookingMessage } from '../lambda/booking/domain/model';
import { makeWorkerHandler } from '../lambda/booking/handlers/worker';
import {
  createBookingTable,
  localDocumentClient,
  startDynamoLocal,
  stopDynamoLocal,
} from '../test/helpers/dynamodb-local';
import { delivery, fakeContext, personKey, pool, silentLogger, sqsEvent } from '../test/booking/harness';

const ROOT = join(__dirname, '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const BOOKINGS = arg('bookings', 4000);
const IN_FLIGHT = arg('concurrency', 40);
const BATCH = 10;

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
          slots: Array.from({ length: slots * 2 }, (_, i) => ({
            slotId: `s-${i}`,
            startsAt: '2027-01-14T10:00:00+01:00',
            capacity,
          })),
        },
      ],
    });
    // Warm-up (JIT of both the JVM and Node), not measured.
    await rawUpdates(db, tableName, 1000, IN_FLIGHT, slots);

    const rawStart = performance.now();
    await rawUpdates(db, tableName, BOOKINGS, IN_FLIGHT, slots);
    const rawSeconds = (performance.now() - rawStart) / 1000;

    const worker = makeWorkerHandler({ db, tableName, region: 'eu-west-3', logger: silentLogger });
    const messages: BookingMessage[] = Array.from({ length: BOOKINGS }, (_, i) => ({
      requestId: `bench-${i.toString().padStart(8, '0')}`,
      acceptedAt: Date.now(),
      booking: { centreId: 'bench', slotId: `s-${slots + (i % slots)}`, personKey: personKey(`bench-${i}`) },
    }));
    const batches: BookingMessage[][] = [];
    for (let i = 0; i < messages.length; i += BATCH) batches.push(messages.slice(i, i + BATCH));
    let failures = 0;
    const workerStart = performance.now();
    await pool(batches, Math.max(1, Math.round(IN_FLIGHT / BATCH)), async (batch) => {
      const res = await worker(sqsEvent(batch.map((m) => delivery(m))), fakeContext);
      failures += res.batchItemFailures.length;
    });
    const workerSeconds = (performance.now() - workerStart) / 1000;
    return {
      rawUpdatesPerSecond: BOOKINGS / rawSeconds,
      workerBookingsPerSecond: BOOKINGS / workerSeconds,
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
  return ['worker', 'catalogue', 'status'].map((handler) => {
    const outfile = join(out, `${handler}.js`);
    buildSync({
      entryPoints: [join(ROOT, `lambda/booking/handlers/${handler}.ts`)],
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
    `| raw conditional UpdateItem / s (DynamoDB Local) | ${t.rawUpdatesPerSecond.toFixed(0)} |`,
    `| worker bookings / s (same client, same in-flight) | ${t.workerBookingsPerSecond.toFixed(0)} |`,
    `| ratio worker / raw | ${ratio.toFixed(3)} (a booking is 1 read + 4 conditional writes: ideal 0.2) |`,
    `| batch item failures | ${t.failures} |`,
    ...b.map(
      (x) =>
        `| ${x.handler}: bundle / cold module load | ${(x.bytes / 1024).toFixed(1)} KiB / ${x.coldLoadMs.toFixed(1)} ms |`,
    ),
    '',
  ];
  const file = join(ROOT, 'BENCHMARKS.md');
  if (!existsSync(file)) writeFileSync(file, '# Benchmarks\n\n');
  if (!readFileSync(file, 'utf8').includes('\n## Booking\n')) {
    appendFileSync(
      file,
      '\n## Booking\n\nWorker throughput against DynamoDB Local (a Java emulator on the same machine: compare the ratio, not the absolute figures), handler bundle sizes and cold module-load times. Produced by `npx tsx bench/booking-bench.ts`.\n\n',
    );
  }
  appendFileSync(file, lines.join('\n') + '\n');
  console.log(lines.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
