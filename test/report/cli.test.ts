import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAssembly, loadRempartConfig, parseArgs, UsageError } from '../../tools/report/args';
import { main as capacityMain } from '../../tools/report/capacity-cli';
import { main as reportMain } from '../../tools/report/cli';
import { SMALL, tempDir } from './fixture';

describe('arguments', () => {
  test('defaults to cdk.out and reads value and boolean flags', () => {
    expect(parseArgs([])).toEqual(
      expect.objectContaining({ assembly: 'cdk.out', synth: false, json: false }),
    );
    expect(parseArgs(['--assembly', 'a', '--baseline=b', '--synth', '--json'])).toEqual(
      expect.objectContaining({ assembly: 'a', baseline: 'b', synth: true, json: true }),
    );
  });

  test('an unknown option or a missing value is a usage error naming the fix', () => {
    expect(() => parseArgs(['--basline', 'x'])).toThrow(UsageError);
    expect(() => parseArgs(['--basline', 'x'])).toThrow(/unknown option "--basline". Fix: use --assembly/);
    expect(() => parseArgs(['--out'])).toThrow(/--out needs a value/);
  });

  test('configuration: invalid inline JSON is reported, not thrown', () => {
    expect(loadRempartConfig(parseArgs(['--context', '{nope'])).problem).toMatch(
      /--context is not valid JSON/,
    );
    expect(
      loadRempartConfig(parseArgs(['--context', '{"service":{"stage":"staging"}}'])).config?.service.stage,
    ).toBe('staging');
  });

  test('a missing assembly is synthesized first, with the same configuration flags', () => {
    const work = tempDir();
    try {
      // A stand-in CLI: records its arguments and writes an assembly where it is told to.
      mkdirSync(join(work.dir, 'node_modules/.bin'), { recursive: true });
      const cdk = join(work.dir, 'node_modules/.bin/cdk');
      writeFileSync(
        cdk,
        `#!/bin/sh\necho "$@" > "${join(work.dir, 'args.txt')}"\nmkdir -p "$3" && cp -r "${SMALL}/." "$3"\n`,
      );
      chmodSync(cdk, 0o755);
      const lines: string[] = [];
      ensureAssembly(
        parseArgs(['--assembly', 'out', '--config', 'prod.json']),
        (l) => lines.push(l),
        work.dir,
      );
      expect(readFileSync(join(work.dir, 'args.txt'), 'utf8').trim()).toBe(
        `synth -o ${join(work.dir, 'out')} --quiet -c config=prod.json`,
      );
      expect(existsSync(join(work.dir, 'out/manifest.json'))).toBe(true);
      expect(lines).toEqual(['[report] no assembly in out: synthesizing with cdk synth -o out']);
      // Present now: not synthesized again.
      ensureAssembly(parseArgs(['--assembly', 'out']), (l) => lines.push(l), work.dir);
      expect(lines).toHaveLength(1);
    } finally {
      work.dispose();
    }
  });
});

describe('npm run report', () => {
  test('writes the pack for an existing assembly and says where to open it', () => {
    const out = tempDir();
    try {
      const lines: string[] = [];
      expect(
        reportMain(['--assembly', SMALL, '--out', out.dir, '--commit', 'abc'], (l) => lines.push(l)),
      ).toBe(0);
      expect(existsSync(join(out.dir, 'index.html'))).toBe(true);
      expect(lines.filter((l) => /^\[report\] \d+\/10 /.test(l))).toHaveLength(10);
      expect(lines[lines.length - 1]).toMatch(/^\[report\] open .*index\.html$/);
    } finally {
      out.dispose();
    }
  });
});

describe('npm run capacity', () => {
  test('exits 2 and names the layers when the declared surge does not fit', () => {
    const lines: string[] = [];
    expect(capacityMain(['--assembly', SMALL], (l) => lines.push(l))).toBe(2);
    const text = lines.join('\n');
    expect(text).toContain('DOES NOT FIT: ');
    expect(text).toContain('First layer to saturate: booking.api-stage@eu-west-3/peak');
    expect(text).toMatch(
      /eu-west-3: API Gateway requests per second \(account, Region\) 10,000 → at least 10,112/,
    );
  });

  test('--json prints the machine-readable report', () => {
    const lines: string[] = [];
    capacityMain(['--assembly', SMALL, '--json'], (l) => lines.push(l));
    const report = JSON.parse(lines.join('\n'));
    expect(report.fits).toBe(false);
    expect(report.firstToSaturate.layer).toBe('api-stage');
  });
});
