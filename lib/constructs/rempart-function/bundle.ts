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
  /** Directory of the bundle built from those inputs, beside the manifest. */
  readonly dir?: string;
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
  const manifestFile = path.join(cacheRoot, `${key}.json`);
  const known = freshBundle(manifestFile);
  if (known) return known;

  // Each bundle lives in a directory named by the content it was built from, so a directory is
  // never replaced while another process (a parallel test worker) reads it: the same sources make
  // the same directory, other sources another one.
  const staging = path.join(cacheRoot, `${key}.${process.pid}.${Date.now()}`);
  const result = esbuild.buildSync({
    ...build,
    entryPoints: [absoluteEntry],
    outfile: path.join(staging, 'index.js'),
    absWorkingDir: path.dirname(absoluteEntry),
    metafile: true,
  });
  const manifest = manifestOf(result.metafile, path.dirname(absoluteEntry));
  const outDir = path.join(cacheRoot, `${key}-${sha256(JSON.stringify(manifest.inputs)).slice(0, 16)}`);
  if (existsSync(path.join(outDir, 'index.js'))) {
    rmSync(staging, { recursive: true, force: true });
  } else {
    try {
      renameSync(staging, outDir);
    } catch {
      // Another process placed the same bundle first.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, dir: path.basename(outDir) }));
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

/** The cached bundle directory when every file it was built from is unchanged. */
function freshBundle(manifestFile: string): string | undefined {
  if (!existsSync(manifestFile)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as CacheManifest;
    if (!manifest.dir) return undefined;
    const dir = path.join(path.dirname(manifestFile), manifest.dir);
    const fresh =
      existsSync(path.join(dir, 'index.js')) &&
      Object.entries(manifest.inputs).every(
        ([file, hash]) => existsSync(file) && sha256(readFileSync(file)) === hash,
      );
    return fresh ? dir : undefined;
  } catch {
    return undefined;
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
