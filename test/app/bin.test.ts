import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Runs the real entry point the way the CDK CLI does (context through CDK_CONTEXT_JSON).
function runApp(context: Record<string, unknown>) {
  return spawnSync(join(__dirname, '../../node_modules/.bin/tsx'), ['bin/app.ts'], {
    cwd: join(__dirname, '../..'),
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'rempart-bin-')),
    },
  });
}

describe('bin/app.ts', () => {
  it('fails a bad configuration with the field and the fix, and no stack trace', () => {
    const result = runApp({ rempart: JSON.stringify({ regions: { primary: 'eu-west-2' } }) });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /regions\.primary: data must stay in the EEA, but London, United Kingdom is outside the EEA; received "eu-west-2"\. Fix: use one of/,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('names malformed JSON in the rempart context', () => {
    const result = runApp({ rempart: '{not json' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CDK context "rempart" is not valid JSON.*Fix:/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses an empty -c config= instead of silently using the default', () => {
    const result = runApp({ config: '' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CDK context "config" is empty\. Fix: name a JSON file/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('names a configuration file that does not exist', () => {
    const result = runApp({ config: 'config/does-not-exist.json' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Cannot read configuration file "config\/does-not-exist\.json".*Fix:/);
  });
});
