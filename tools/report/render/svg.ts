import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** DOT → SVG through the WebAssembly Graphviz, in a child Node process (see graphviz.mjs). */
export function renderDot(dot: string): string {
  const result = spawnSync(process.execPath, [join(__dirname, 'graphviz.mjs')], {
    input: dot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`could not start the Graphviz renderer: ${result.error.message}`);
  if (result.status !== 0 || !result.stdout.includes('<svg')) {
    throw new Error(
      `the Graphviz renderer failed (exit ${result.status ?? 'signal'}): ${result.stderr.trim() || 'no output'}. Fix: check that @hpcc-js/wasm-graphviz is installed (npm ci)`,
    );
  }
  return inlineSvg(result.stdout);
}

/**
 * Make Graphviz's SVG fit inline in HTML: no XML prolog, DOCTYPE or comments (the DOCTYPE names an
 * external DTD), no namespace declarations (HTML's parser supplies them), a viewBox-only size so the
 * page can scale it.
 */
export function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  return svg
    .slice(start)
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/<svg([^>]*?)\s+width="[^"]*"\s+height="[^"]*"/, '<svg$1')
    .replace(/\s+xlink:title="[^"]*"/g, '')
    .trim();
}
