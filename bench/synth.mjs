// Full-app `cdk synth` wall time (every gate, and `synth:quick` without the CloudFormation and
// Control Tower validations) against an empty one-stack app, same CLI, same run, alternating.
// The full app is measured twice: with the validations' findings caches emptied first (a fresh
// clone, or every template changed) and with them kept from the run before (an edit-synth loop).
// Usage: npm run bench:synth [-- --runs N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const cdk = join(process.cwd(), 'node_modules', '.bin', 'cdk');

function synthSeconds(extraArgs, env = {}) {
  const out = mkdtempSync(join(tmpdir(), 'rempart-bench-'));
  const start = process.hrtime.bigint();
  execFileSync(cdk, ['synth', '--quiet', '--output', out, ...extraArgs], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rmSync(out, { recursive: true, force: true });
  return seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const findingsCaches = ['rempart-guard', 'rempart-cfn-validate'].map((name) =>
  join(process.cwd(), 'node_modules', '.cache', name),
);
const full = [];
const warm = [];
const quick = [];
const empty = [];
for (let i = 0; i < runs; i++) {
  for (const dir of findingsCaches) rmSync(dir, { recursive: true, force: true });
  full.push(synthSeconds([]));
  warm.push(synthSeconds([]));
  quick.push(synthSeconds([], { REMPART_QUICK_SYNTH: 'true' }));
  empty.push(synthSeconds(['--app', 'npx tsx bench/empty-app.ts']));
}
const result = {
  runs,
  fullAppSeconds: full.map((s) => +s.toFixed(2)),
  fullAppWarmSeconds: warm.map((s) => +s.toFixed(2)),
  quickSeconds: quick.map((s) => +s.toFixed(2)),
  emptyAppSeconds: empty.map((s) => +s.toFixed(2)),
  medianFull: +median(full).toFixed(2),
  medianEmpty: +median(empty).toFixed(2),
  ratio: +(median(full) / median(empty)).toFixed(2),
  medianWarm: +median(warm).toFixed(2),
  warmRatio: +(median(warm) / median(empty)).toFixed(2),
  medianQuick: +median(quick).toFixed(2),
  quickRatio: +(median(quick) / median(empty)).toFixed(2),
};
console.log(JSON.stringify(result, null, 2));
console.log(
  `\n| full app cdk synth (every gate), cold / warm findings cache | synth:quick | empty app | ratios cold / warm / quick |\n|---|---|---|---|\n| ${result.medianFull} s / ${result.medianWarm} s | ${result.medianQuick} s | ${result.medianEmpty} s | ${result.ratio}× / ${result.warmRatio}× / ${result.quickRatio}× |`,
);
