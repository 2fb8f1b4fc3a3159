import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HttpAuthScheme, HttpRequest } from '@smithy/types';
import { documentClient } from '../../lambda/booking/adapters/dynamodb';

/**
 * AWS's DynamoDB Local (the jar shipped in amplify-dynamodb-simulator), started once per jest run by
 * the global setup and stopped by its process id in the global teardown. The package itself is
 * never required: importing it throws.
 */
export const EMULATOR_DIR = join(__dirname, '../../node_modules/amplify-dynamodb-simulator/emulator');
const STATE_FILE = join(tmpdir(), `rempart-dynamodb-local-${process.ppid}-${process.pid}.json`);
export const ENDPOINT_ENV = 'REMPART_DYNAMODB_LOCAL_ENDPOINT';
const PID_ENV = 'REMPART_DYNAMODB_LOCAL_PID';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly pid: number;
}

/** A free loopback port, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Start DynamoDB Local on a free loopback port; resolves once it answers ListTables. The timeout is a
 * hang guard: on a loaded 2-core machine the JVM has taken over 30 s to answer.
 */
export async function startDynamoLocal(timeoutMs = 120_000): Promise<LocalDynamo> {
  const port = await freePort();
  const child = spawn(
    'java',
    [
      '-Xmx1g',
      // The serial collector: the emulator's garbage is short-lived and its heap small. The JIT is
      // left tiered (C2 on): measured on 2 cores, C2's warm-up costs about 15 s of CPU over the
      // first 30,000 calls, after which a conditional put costs ~0.4 ms instead of ~0.67 ms with
      // C1 only; the db tier makes over 300,000 calls (the opening simulation alone ~230,000:
      // 177 s of emulator CPU with C2, 222 s with C1 only).
      '-XX:+UseSerialGC',
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: EMULATOR_DIR, stdio: 'ignore', detached: false },
  );
  const pid = child.pid;
  if (pid === undefined)
    throw new Error('DynamoDB Local: java did not start. Fix: install Java 17 and put it on PATH');
  child.unref();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-3',
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        process.kill(pid);
        throw new Error(
          `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms: ${(e as Error).message}`,
        );
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();
  return { endpoint, pid };
}

export function stopDynamoLocal(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

/** Global setup: start it and publish the endpoint to the test workers through the environment. */
export async function globalSetup(): Promise<void> {
  const local = await startDynamoLocal();
  process.env[ENDPOINT_ENV] = local.endpoint;
  process.env[PID_ENV] = String(local.pid);
  writeFileSync(STATE_FILE, JSON.stringify(local));
}

/** Global teardown: stop the process started above, by its id. */
export function globalTeardown(): void {
  const pid = Number(process.env[PID_ENV]);
  if (pid > 0) stopDynamoLocal(pid);
  else if (existsSync(STATE_FILE))
    stopDynamoLocal((JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LocalDynamo).pid);
  rmSync(STATE_FILE, { force: true });
}

/**
 * CPU time DynamoDB Local has used so far, in ms, for profiles (REMPART_TRACE); undefined where
 * /proc is not there. `time` on jest does not count it: jest exits without waiting for it.
 */
export function emulatorCpuMs(): number | undefined {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime, stime, in ticks
    // of USER_HZ, which Linux fixes at 100 per second for user space.
    const fields = readFileSync(`/proc/${Number(process.env[PID_ENV])}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ');
    const ticks = Number(fields?.[11]) + Number(fields?.[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Endpoint of the run's DynamoDB Local (tests only). */
export function localEndpoint(): string {
  const endpoint = process.env[ENDPOINT_ENV];
  if (!endpoint)
    throw new Error(
      `${ENDPOINT_ENV} is not set: DynamoDB Local tests need jest's globalSetup (see jest.config.js)`,
    );
  return endpoint;
}

/**
 * A document client on DynamoDB Local, built like the handlers' one (`documentClient()`), except
 * that requests carry a constant Authorization header instead of a SigV4 signature: DynamoDB Local
 * never checks signatures, and signing is a quarter of the client's CPU per call (measured), which
 * on a 2-core machine is taken from the emulator.
 */
export function localDocumentClient(): DynamoDBDocumentClient {
  return documentClient({
    endpoint: localEndpoint(),
    region: 'eu-west-3',
    credentials: CREDENTIALS,
    httpAuthSchemes: [UNSIGNED_SIGV4],
  });
}

const UNSIGNED_SIGV4 = {
  schemeId: 'aws.auth#sigv4',
  identityProvider: () => () => Promise.resolve(CREDENTIALS),
  signer: {
    sign: (request: HttpRequest) => {
      request.headers.authorization =
        'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-3/dynamodb/aws4_request, SignedHeaders=host, Signature=0';
      return Promise.resolve(request);
    },
  },
} as unknown as HttpAuthScheme;

let tableCounter = 0;

/** A fresh booking table (pk/sk strings, on-demand) with a unique name. */
export async function createBookingTable(prefix = 'booking'): Promise<string> {
  const name = `${prefix}-${process.pid}-${Date.now()}-${tableCounter++}`;
  const client = new DynamoDBClient({
    endpoint: localEndpoint(),
    region: 'eu-west-3',
    credentials: CREDENTIALS,
  });
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  client.destroy();
  return name;
}
