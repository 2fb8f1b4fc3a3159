import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { assertHealthy, httpRequest, parseProbeConfig, runProbe, type ProbeDeps } from './probe';

/**
 * CloudWatch Synthetics entry of the Region probe (bundled by esbuild at synth, SDK included, so it
 * does not depend on what the Synthetics runtime ships). A thrown error marks the run failed, which
 * is what the SuccessPercent metric, its alarm and the Route 53 health check read.
 */
const config = parseProbeConfig(process.env.REMPART_PROBE);
const secrets = new SecretsManagerClient({});
const db = new DynamoDBClient({});

/** Secrets are re-read every 5 minutes: a rotated origin secret is picked up without a deploy. */
const SECRET_TTL_MS = 5 * 60 * 1000;
const cache = new Map<string, { value: string; at: number }>();

const deps: ProbeDeps = {
  request: httpRequest,
  async secret(secretId) {
    const hit = cache.get(secretId);
    if (hit && Date.now() - hit.at < SECRET_TTL_MS) return hit.value;
    const res = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (res.SecretString === undefined) throw new Error(`secret ${secretId} has no string value`);
    cache.set(secretId, { value: res.SecretString, at: Date.now() });
    return res.SecretString;
  },
  async writeHeartbeat(update) {
    await db.send(new UpdateItemCommand(update));
  },
  now: () => new Date(),
};

export async function handler(): Promise<string> {
  const results = await runProbe(config, deps);
  for (const r of results) console.log(JSON.stringify({ probe: r.name, ok: r.ok, detail: r.detail }));
  assertHealthy(results);
  return 'healthy';
}
