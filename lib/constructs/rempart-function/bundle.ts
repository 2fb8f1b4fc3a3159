import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';

/**
 * The esbuild options of every Rempart handler: Node.js 24 CommonJS, minified, external source maps
 * without sources, AWS SDK v3 left to the runtime (it ships one), ES module entry points preferred
 * so that tree shaking works on Powertools.
 */
export const HANDLER_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: 'external',
  sourcesContent: false,
  external: ['@aws-sdk/*'],
  mainFields: ['module', 'main'],
  logLevel: 'error',
} as const satisfies BuildOptions;

export interface BundleOptions {
  /**
   * Bundle the AWS SDK v3 with the handler instead of using the runtime's copy: for clients the
   * runtime may lack or carry in an older version. @default false
   */
  readonly bundleAwsSdk?: boolean;
}

interface CacheManifest {
  /** Every file esbuild read, with the SHA-256 of its content at bundle time. */
  readonly inputs: Record<string, string>;
}

/**
 * Bundles a handler with the local esbuild package (never Docker) into a directory holding
 * `index.js` and `index.js.map`, and returns that directory for `lambda.Code.fromAsset`.
 *
 * Why not NodejsFunction's bundling: it starts an esbuild process per function and per synth, in
 * every Region, and prints a banner per bundle; the same handler in two Regions is the same
 * bundle. Here a bundle is cached by the content of every file esbuild read (its metafile), so a
 * synth rebuilds only handlers whose sources or dependencies changed, and a handler is bundled once
 * per run whatever the number of Regions. The cache key also covers the esbuild version and options.
 */
export function bundleHandler(
  entry: string,
  options: BundleOptions = {},
  cacheRoot: string = defaultCacheRoot(),
): string {
  // Within one synth the sources do not change: the second Region reuses the first one's check.
  const memoKey = `${cacheRoot}\0${path.resolve(entry)}\0${options.bundleAwsSdk === true}`;
  const known = checkedThisProcess.get(memoKey);
  if (known) return known;
  const dir = bundleOrReuse(entry, buildOptions(options), cacheRoot);
  checkedThisProcess.set(memoKey, dir);
  return dir;
}

const checkedThisProcess = new Map<string, string>();

function buildOptions(options: BundleOptions): BuildOptions {
  return options.bundleAwsSdk ? { ...HANDLER_BUILD_OPTIONS, external: [] } : HANDLER_BUILD_OPTIONS;
}

function bundleOrReuse(entry: string, build: BuildOptions, cacheRoot: string): string {
  // Required lazily: a consumer that never synthesizes a function does not need esbuild loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const absoluteEntry = path.resolve(entry);
  const key = sha256(JSON.stringify([absoluteEntry, esbuild.version, build]));
  const outDir = path.join(cacheRoot, key);
  const manifestFile = path.join(cacheRoot, `${key}.json`);
  if (existsSync(path.join(outDir, 'index.js')) && isFresh(manifestFile)) return outDir;

  // Build beside the final directory, then rename: two processes bundling the same handler at once
  // (parallel test workers) each produce a complete directory and the last rename wins.
  const staging = `${outDir}.${process.pid}.${Date.now()}`;
  const result = esbuild.buildSync({
    ...build,
    entryPoints: [absoluteEntry],
    outfile: path.join(staging, 'index.js'),
    absWorkingDir: path.dirname(absoluteEntry),
    metafile: true,
  });
  writeFileSync(manifestFile, JSON.stringify(manifestOf(result.metafile, path.dirname(absoluteEntry))));
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  return outDir;
}

/** `node_modules/.cache` of the project being synthesized (as most tools do), else the OS temp dir. */
function defaultCacheRoot(): string {
  const nodeModules = path.join(process.cwd(), 'node_modules');
  const root = existsSync(nodeModules)
    ? path.join(nodeModules, '.cache', 'rempart-bundles')
    : path.join(tmpdir(), 'rempart-bundles');
  mkdirSync(root, { recursive: true });
  return root;
}

function manifestOf(metafile: Metafile, workingDir: string): CacheManifest {
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(metafile.inputs)) {
    const file = path.resolve(workingDir, input);
    inputs[file] = sha256(readFileSync(file));
  }
  return { inputs };
}

function isFresh(manifestFile: string): boolean {
  if (!existsSync(manifestFile)) return false;
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as CacheManifest;
    return Object.entries(manifest.inputs).every(
      ([file, hash]) => existsSync(file) && sha256(readFileSync(file)) === hash,
    );
  } catch {
    return false;
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
