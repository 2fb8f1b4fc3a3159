import * as http from 'node:http';
import * as https from 'node:https';

/**
 * What a Region probe does on every run, as data (the canary reads it from REMPART_PROBE). No AWS
 * SDK here: the canary entry (`canary.ts`) supplies the secret reader and the table writer, so the
 * checks themselves run in unit tests against a local server.
 */
export interface HttpCheckConfig {
  /** Short name, reported in the canary log and the failure message. */
  readonly name: string;
  /** Absolute http(s) URL of the Region-pinned endpoint. */
  readonly url: string;
  readonly method: 'GET' | 'HEAD' | 'POST';
  /** Status codes that count as success. */
  readonly expectStatus: readonly number[];
  /** Origin-verification header whose value is read from Secrets Manager (current version). */
  readonly header?: { readonly name: string; readonly secretId: string };
  readonly body?: string;
  /** Per-request timeout; a slower answer is a failure. */
  readonly timeoutMs: number;
}

/**
 * A canary-only write: one reserved item per Region, overwritten on every run. It exercises the
 * Region's write path to the table (for a multi-Region strongly consistent table, the quorum)
 * without ever touching an application item.
 */
export interface HeartbeatConfig {
  readonly tableName: string;
  /** Full primary key of the reserved item, string attributes only. */
  readonly key: Readonly<Record<string, string>>;
  /** TTL attribute of the table, set a day ahead, for tables that expire items. */
  readonly expiresAttribute?: string;
}

export interface ProbeConfig {
  readonly region: string;
  readonly checks: readonly HttpCheckConfig[];
  readonly heartbeat?: HeartbeatConfig;
}

export interface ProbeDeps {
  request(req: {
    url: string;
    method: string;
    headers: Record<string, string>;
    body?: string;
    timeoutMs: number;
  }): Promise<{ status: number }>;
  /** Current value of a secret (cached by the caller). */
  secret(secretId: string): Promise<string>;
  writeHeartbeat(update: HeartbeatUpdate): Promise<void>;
  now(): Date;
}

export interface ProbeResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Attribute name and value the reserved heartbeat items carry, so nobody mistakes them for data. */
export const HEARTBEAT_MARKER = { attribute: 'rempartProbe', value: 'region-heartbeat' } as const;

/** The one item write a heartbeat makes (DynamoDB UpdateItem input, attribute values typed). */
export interface HeartbeatUpdate {
  readonly TableName: string;
  readonly Key: Record<string, { S: string }>;
  readonly UpdateExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Record<string, { S: string } | { N: string }>;
}

export function heartbeatUpdate(hb: HeartbeatConfig, region: string, at: Date): HeartbeatUpdate {
  const names: Record<string, string> = {
    '#at': 'probedAt',
    '#by': 'probedFrom',
    '#m': HEARTBEAT_MARKER.attribute,
  };
  const values: Record<string, { S: string } | { N: string }> = {
    ':at': { S: at.toISOString() },
    ':by': { S: region },
    ':m': { S: HEARTBEAT_MARKER.value },
  };
  let expression = 'SET #at = :at, #by = :by, #m = :m';
  if (hb.expiresAttribute) {
    names['#x'] = hb.expiresAttribute;
    values[':x'] = { N: String(Math.floor(at.getTime() / 1000) + 86_400) };
    expression += ', #x = :x';
  }
  return {
    TableName: hb.tableName,
    Key: Object.fromEntries(Object.entries(hb.key).map(([k, v]) => [k, { S: v }])),
    UpdateExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** Runs every check and the heartbeat; never throws (each failure becomes a result). */
export async function runProbe(config: ProbeConfig, deps: ProbeDeps): Promise<ProbeResult[]> {
  const checks = config.checks.map(async (c): Promise<ProbeResult> => {
    try {
      const headers: Record<string, string> = {
        'user-agent': 'rempart-region-probe',
        'cache-control': 'no-cache',
      };
      if (c.header) headers[c.header.name] = await deps.secret(c.header.secretId);
      if (c.body !== undefined) headers['content-type'] = 'application/json';
      const { status } = await deps.request({
        url: c.url,
        method: c.method,
        headers,
        body: c.body,
        timeoutMs: c.timeoutMs,
      });
      const ok = c.expectStatus.includes(status);
      return {
        name: c.name,
        ok,
        detail: `${c.method} ${c.url} answered ${status}${ok ? '' : `, expected ${c.expectStatus.join('/')}`}`,
      };
    } catch (e) {
      return { name: c.name, ok: false, detail: `${c.method} ${c.url} failed: ${message(e)}` };
    }
  });
  const heartbeat = config.heartbeat;
  const write = heartbeat
    ? (async (): Promise<ProbeResult> => {
        try {
          await deps.writeHeartbeat(heartbeatUpdate(heartbeat, config.region, deps.now()));
          return {
            name: 'heartbeat',
            ok: true,
            detail: `wrote the heartbeat item of ${heartbeat.tableName}`,
          };
        } catch (e) {
          return {
            name: 'heartbeat',
            ok: false,
            detail: `heartbeat write to ${heartbeat.tableName} failed: ${message(e)}`,
          };
        }
      })()
    : undefined;
  return Promise.all(write ? [...checks, write] : checks);
}

/** The canary fails (SuccessPercent 0 for the run) when any check failed. */
export class ProbeFailed extends Error {
  constructor(public readonly failures: readonly ProbeResult[]) {
    super(`Region probe failed: ${failures.map((f) => `${f.name}: ${f.detail}`).join('; ')}`);
    this.name = 'ProbeFailed';
  }
}

export function assertHealthy(results: readonly ProbeResult[]): void {
  const failures = results.filter((r) => !r.ok);
  if (failures.length) throw new ProbeFailed(failures);
}

/** Plain http(s) request with a hard timeout; the status is all a probe needs. */
export function httpRequest(req: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!client) {
      reject(new Error(`unsupported protocol ${url.protocol}`));
      return;
    }
    const r = client.request(
      url,
      { method: req.method, headers: req.headers, timeout: req.timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** REMPART_PROBE as a ProbeConfig; a malformed value is an error naming the field. */
export function parseProbeConfig(raw: string | undefined): ProbeConfig {
  if (!raw) throw new Error('REMPART_PROBE is not set: the canary has nothing to check');
  const value = JSON.parse(raw) as Partial<ProbeConfig>;
  const problems: string[] = [];
  if (typeof value.region !== 'string' || value.region === '') problems.push('region is missing');
  if (!Array.isArray(value.checks)) problems.push('checks is not an array');
  const checks: ReadonlyArray<Partial<Record<keyof HttpCheckConfig, unknown>> | undefined> = Array.isArray(
    value.checks,
  )
    ? value.checks
    : [];
  for (const [i, c] of checks.entries()) {
    if (!/^https?:\/\//.test(String(c?.url))) problems.push(`checks[${i}].url is not an http(s) URL`);
    if (!['GET', 'HEAD', 'POST'].includes(String(c?.method)))
      problems.push(`checks[${i}].method is not GET, HEAD or POST`);
    if (!Array.isArray(c?.expectStatus) || (c.expectStatus as unknown[]).length === 0)
      problems.push(`checks[${i}].expectStatus is empty`);
    if (!(Number(c?.timeoutMs) > 0)) problems.push(`checks[${i}].timeoutMs is not positive`);
  }
  const hb = value.heartbeat;
  if (hb !== undefined && (typeof hb.tableName !== 'string' || Object.keys(hb.key ?? {}).length === 0)) {
    problems.push('heartbeat needs tableName and key');
  }
  if ((value.checks?.length ?? 0) === 0 && hb === undefined) problems.push('no check and no heartbeat');
  if (problems.length) throw new Error(`REMPART_PROBE: ${problems.join('; ')}`);
  return value as ProbeConfig;
}

function message(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
