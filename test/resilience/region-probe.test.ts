import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  assertHealthy,
  heartbeatUpdate,
  httpRequest,
  parseProbeConfig,
  ProbeFailed,
  runProbe,
  type ProbeConfig,
  type ProbeDeps,
} from '../../lib/constructs/observability/probe/probe';

/**
 * The probe's checks against a real local HTTP server that plays a healthy Region, then each way a
 * Region fails: 5xx, a refused origin secret, an endpoint that never answers, a table write refused.
 */
let mode: 'healthy' | 'down' | 'hang' = 'healthy';
const SECRET = 'current-origin-secret';
const pending: http.ServerResponse[] = [];
const server = http.createServer((req, res) => {
  if (mode === 'hang') {
    pending.push(res);
    return;
  }
  if (req.headers['x-origin-verify'] !== SECRET) {
    res.writeHead(403).end('direct access refused');
    return;
  }
  res.writeHead(mode === 'healthy' ? 200 : 503).end();
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of pending) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function config(): ProbeConfig {
  return {
    region: 'eu-west-3',
    checks: [
      {
        name: 'read',
        url: `${base}/api/progress`,
        method: 'GET',
        expectStatus: [200],
        header: { name: 'x-origin-verify', secretId: 'arn:secret' },
        timeoutMs: 300,
      },
    ],
    heartbeat: { tableName: 'bookings', key: { pk: 'rempart#probe', sk: 'eu-west-3' } },
  };
}

function deps(overrides: Partial<ProbeDeps> = {}): ProbeDeps & { writes: unknown[] } {
  const writes: unknown[] = [];
  return {
    writes,
    request: httpRequest,
    secret: () => Promise.resolve(SECRET),
    writeHeartbeat: (u) => {
      writes.push(u);
      return Promise.resolve();
    },
    now: () => new Date('2027-01-14T09:00:00Z'),
    ...overrides,
  };
}

describe('Region probe', () => {
  afterEach(() => {
    mode = 'healthy';
  });

  it('passes when the read path answers 200 with the origin secret and the heartbeat is written', async () => {
    const d = deps();
    const results = await runProbe(config(), d);
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['read', true],
      ['heartbeat', true],
    ]);
    expect(() => assertHealthy(results)).not.toThrow();
    expect(d.writes).toHaveLength(1);
  });

  it('fails the run when the Region answers 5xx', async () => {
    mode = 'down';
    const results = await runProbe(config(), deps());
    expect(() => assertHealthy(results)).toThrow(ProbeFailed);
    expect(() => assertHealthy(results)).toThrow(/read: GET .*\/api\/progress answered 503, expected 200/);
  });

  it('fails the run when the origin refuses the secret (a rotated secret not yet read)', async () => {
    const results = await runProbe(config(), deps({ secret: () => Promise.resolve('previous-secret') }));
    expect(results[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/answered 403/) });
  });

  it('fails the run when the endpoint never answers within its timeout', async () => {
    mode = 'hang';
    const results = await runProbe(config(), deps());
    expect(results[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/no answer within 300 ms/) });
  });

  it('fails the run when the secret cannot be read or the heartbeat write is refused', async () => {
    const results = await runProbe(
      config(),
      deps({
        secret: () => Promise.reject(new Error('AccessDeniedException')),
        writeHeartbeat: () => Promise.reject(new Error('ReplicatedWriteConflictException')),
      }),
    );
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(() => assertHealthy(results)).toThrow(
      /heartbeat write to bookings failed: Error: ReplicatedWriteConflictException/,
    );
  });

  it('writes one reserved item per Region, marked, never an application item', () => {
    const update = heartbeatUpdate(config().heartbeat!, 'eu-west-3', new Date('2027-01-14T09:00:00Z')); // eslint-disable-line @typescript-eslint/no-non-null-assertion
    expect(update).toEqual({
      TableName: 'bookings',
      Key: { pk: { S: 'rempart#probe' }, sk: { S: 'eu-west-3' } },
      UpdateExpression: 'SET #at = :at, #by = :by, #m = :m',
      ExpressionAttributeNames: { '#at': 'probedAt', '#by': 'probedFrom', '#m': 'rempartProbe' },
      ExpressionAttributeValues: {
        ':at': { S: '2027-01-14T09:00:00.000Z' },
        ':by': { S: 'eu-west-3' },
        ':m': { S: 'region-heartbeat' },
      },
    });
    const expiring = heartbeatUpdate(
      { tableName: 'sessions', key: { pk: 'rempart#probe' }, expiresAttribute: 'expiresAt' },
      'eu-west-3',
      new Date('2027-01-14T09:00:00Z'),
    );
    expect(expiring.ExpressionAttributeValues[':x']).toEqual({
      N: String(Date.parse('2027-01-15T09:00:00Z') / 1000),
    });
  });

  it('refuses a configuration it could not run, naming the field', () => {
    expect(() => parseProbeConfig(undefined)).toThrow(/REMPART_PROBE is not set/);
    expect(() =>
      parseProbeConfig(
        JSON.stringify({
          region: 'eu-west-3',
          checks: [{ url: 'ftp://x', method: 'PUT', expectStatus: [], timeoutMs: 0 }],
        }),
      ),
    ).toThrow(
      /checks\[0\]\.url is not an http\(s\) URL; checks\[0\]\.method is not GET, HEAD or POST; checks\[0\]\.expectStatus is empty; checks\[0\]\.timeoutMs is not positive/,
    );
    expect(() => parseProbeConfig(JSON.stringify({ region: 'eu-west-3', checks: [] }))).toThrow(
      /no check and no heartbeat/,
    );
    expect(parseProbeConfig(JSON.stringify(config())).checks).toHaveLength(1);
  });
});
