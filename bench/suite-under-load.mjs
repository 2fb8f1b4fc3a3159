// The whole suite, several times in a row, while a second process runs `cdk synth` in a loop beside
// it (the test-suite issue's proof that nothing depends on an idle machine). On demand, not in CI:
// `npm run bench:suite-under-load [-- --runs 3]`. Prints one line per run and a Markdown table.
// Stops by itself: after the runs, the synth loop is stopped and its last synth is waited for.
import { spawn, spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const out = mkdtempSync(join(tmpdir(), 'rempart-synth-loop-'));
let synths = 0;
let synthFailures = 0;
let stopping = false;
let current;
const loop = () =>
  new Promise((resolve) => {
    const next = () => {
      if (stopping) return resolve();
      current = spawn('npx', ['cdk', 'synth', '--quiet', '--output', out], { stdio: 'ignore' });
      current.on('exit', (code) => {
        synths++;
        if (code !== 0 && !stopping) synthFailures++;
        next();
      });
    };
    next();
  });
const looping = loop();

const results = [];
for (let i = 1; i <= runs; i++) {
  const start = process.hrtime.bigint();
  const load = loadavg()[0];
  const res = spawnSync('npm', ['test'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const summary = `${res.stdout}${res.stderr}`.match(/(PASSED|FAILED): .*/g)?.at(-1) ?? '(no jest summary)';
  results.push({ run: i, status: res.status, seconds, summary, load, synths });
  console.log(`run ${i}: exit ${res.status} in ${seconds.toFixed(0)} s; ${summary}; load ${load.toFixed(2)}`);
  if (res.status !== 0) console.log(`${res.stdout}\n${res.stderr}`.slice(-20_000));
}
stopping = true;
await looping;
rmSync(out, { recursive: true, force: true });
console.log(`\nsynths beside the suite: ${synths} (${synthFailures} failed)\n`);
console.log(
  '| run | `npm test` exit | wall time | jest summary | load (1 min) at start |\n|---|---|---|---|---|',
);
for (const r of results)
  console.log(
    `| ${r.run} | ${r.status} | ${(r.seconds / 60).toFixed(0)} min ${(r.seconds % 60).toFixed(0)} s | ${r.summary} | ${r.load.toFixed(2)} |`,
  );
process.exitCode = results.every((r) => r.status === 0) && synthFailures === 0 ? 0 : 1;
