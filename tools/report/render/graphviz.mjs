// Renders Graphviz DOT (stdin) to SVG (stdout) with the WebAssembly build of Graphviz: no network,
// no system binary. A separate process because the package is ESM-only and the generator also runs
// under jest's CommonJS transform.
import { Graphviz } from '@hpcc-js/wasm-graphviz';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const dot = Buffer.concat(chunks).toString('utf8');
const graphviz = await Graphviz.load();
try {
  process.stdout.write(graphviz.layout(dot, 'svg', 'dot'));
} catch (e) {
  process.stderr.write(
    `Graphviz could not lay out the diagram: ${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exitCode = 1;
}
