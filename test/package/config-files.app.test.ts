import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config/load-config';
import { cdkJsonContext } from '../helpers/synth';

const ROOT = join(__dirname, '../..');
const CONFIG_FILES = readdirSync(join(ROOT, 'config'))
  .filter((f) => f.endsWith('.json'))
  .sort();

/** Every leaf a JSON file sets, as [dotted path, value]; arrays are values (they replace, not merge). */
function leaves(value: unknown, path: string[] = []): Array<[string[], unknown]> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [[path, value]];
}

function at(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
}

describe('config/: the example configuration files', () => {
  it('holds every file the README and the configuration reference name', () => {
    const docs = ['README.md', 'docs/configuration.md']
      .map((f) => readFileSync(join(ROOT, f), 'utf8'))
      .join('\n');
    const named = [...new Set([...docs.matchAll(/\bconfig\/([a-z0-9-]+\.json)\b/g)].map((m) => m[1]))];
    expect(named).toEqual(expect.arrayContaining(['prod.json']));
    expect(CONFIG_FILES).toEqual(expect.arrayContaining(named));
  });

  it.each(CONFIG_FILES)('%s validates over the embedded default, and every value it sets is kept', (file) => {
    const config = loadConfig({ file: join(ROOT, 'config', file) });
    for (const [path, value] of leaves(readJson(`config/${file}`))) {
      expect([path.join('.'), at(config, path)]).toEqual([path.join('.'), value]);
    }
  });

  it('prod.json with shield-on.json as the -c rempart overlay turns Shield Advanced on for prod', () => {
    // The CDK CLI reads a -c value up to the first newline: `-c rempart="$(cat …)"` needs a one-line file.
    const overlay = readFileSync(join(ROOT, 'config/shield-on.json'), 'utf8').trimEnd();
    expect(overlay).not.toContain('\n');
    const config = loadConfig({ file: join(ROOT, 'config/prod.json'), overrides: overlay });
    expect([config.service.stage, config.edge.shieldAdvanced.enabled]).toEqual(['prod', true]);
  });
});

describe('npx cdk synth -c config=config/prod.json (README)', () => {
  // The real entry point, as the CDK CLI runs it: cdk.json's context (the feature flags) and the
  // command line's in CDK_CONTEXT_JSON, output to CDK_OUTDIR.
  const outdir = mkdtempSync(join(tmpdir(), 'rempart-config-prod-'));
  const result = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), config: 'config/prod.json' }),
      CDK_OUTDIR: outdir,
    },
  });
  const prod = readJson('config/prod.json') as {
    account: string;
    alerts: { email: string };
    booking: { domainName: string };
  };
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('exits 0 and writes the 13 stacks, in the account the file names', () => {
    // On failure, stderr is the one-line reason bin/app.ts prints.
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string }>;
      missing?: Array<{ key: string }>;
    };
    // Context the CLI would have to look up in the account: it needs credentials, the README promises none.
    expect((manifest.missing ?? []).map((m) => m.key)).toEqual([]);
    const stacks = Object.entries(manifest.artifacts).filter(
      ([, a]) => a.type === 'aws:cloudformation:stack',
    );
    expect(stacks).toHaveLength(13);
    for (const [, stack] of stacks) expect(stack.environment).toMatch(new RegExp(`^aws://${prod.account}/`));
  });

  it('deploys the values of the file, not the embedded default', () => {
    // Compact JSON of every template, to search for values wherever they landed.
    const templates = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => JSON.stringify(JSON.parse(readFileSync(join(outdir, f), 'utf8'))))
      .join('\n');
    expect(templates).toContain(prod.alerts.email);
    expect(templates).toContain(prod.booking.domainName);
    expect(templates).toContain('{"Key":"rempart:stage","Value":"prod"}');
    // Every deployment overrides the example service's names (README, Configuration).
    expect(templates).not.toContain('rempart-demo.fr');
  });
});
