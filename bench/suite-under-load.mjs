// The whole suite, several times in a row, while a second process runs `cdk synth` in a loop beside
// it (the test-suite issue's proof that nothing depends on an idle machine). On demand, not in CI:
// `npm run bench:suite-under-load [-- --runs 3]`. Prints one line per run and a Markdown table.
// Stops by itself: after the runs, the synth loop is stopped and its last synth is waited for.
import { spawn } from 'node:child_process';
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

/** `npm test`, its exit status and its whole output. */
function npmTest() {
  return new Promise((resolve) => {
    const child = spawn('npm', ['test'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const results = [];
for (let i = 1; i <= runs; i++) {
  const start = process.hrtime.bigint();
  const load = loadavg()[0];
  const synthsBefore = synths;
  // Asynchronous, so that the synth loop's next synth starts while the suite runs (a synchronous
  // spawn would hold the event loop, and the loop with it, until the suite ends).
  const res = await npmTest();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const summary = `${res.stdout}${res.stderr}`.match(/(PASSED|FAILED): .*/g)?.at(-1) ?? '(no jest summary)';
  results.push({ run: i, status: res.status, seconds, summary, load, synths: synths - synthsBefore });
  console.log(
    `run ${i}: exit ${res.status} in ${seconds.toFixed(0)} s; ${summary}; load ${load.toFixed(2)}; ${synths - synthsBefore} synths beside it`,
  );
  if (res.status !== 0) console.log(`${res.stdout}\n${res.stderr}`.slice(-20_000));
}
stopping = true;
await looping;
rmSync(out, { recursive: true, force: true });
console.log(`\nsynths beside the suite: ${synths} (${synthFailures} failed)\n`);
console.log(
  '| run | `npm test` exit | wall time | jest summary | load (1 min) at start | synths completed beside it |\n|---|---|---|---|---|---|',
);
for (const r of results)
  console.log(
    `| ${r.run} | ${r.status} | ${Math.floor(r.seconds / 60)} min ${(r.seconds % 60).toFixed(0)} s | ${r.summary} | ${r.load.toFixed(2)} | ${r.synths} |`,
  );
// A run with no synth completed beside it proves nothing about load: it counts as a failure.
process.exitCode = results.every((r) => r.status === 0 && r.synths > 0) && synthFailures === 0 ? 0 : 1;
