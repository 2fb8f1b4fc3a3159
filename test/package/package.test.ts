import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import * as rempart from '../../lib';
import { lambdaEntry } from '../../lib/lambda-entry';

const ROOT = join(__dirname, '../..');

interface PackageJson {
  readonly files: readonly string[];
  readonly dependencies: Readonly<Record<string, string>>;
  readonly peerDependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/** What `npm pack` would put in the tarball now (scripts off: no build runs). */
const packed: ReadonlySet<string> = (() => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    // npm's update check outlives the command and would keep the Jest worker from exiting.
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const [report] = JSON.parse(out) as [{ files: { path: string }[] }];
  return new Set(report.files.map((f) => f.path));
})();

/** The files `npm run build` emits (tsconfig.build.json), predicted by the compiler without compiling. */
const build = (() => {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.build.json could not be read');
  const outputs = parsed.fileNames.flatMap((source) =>
    ts.getOutputFileNames(parsed, source, false).map((out) => ({ out: rel(out), source: rel(source) })),
  );
  return { options: parsed.options, outputs };
})();

function rel(file: string): string {
  return relative(ROOT, file).split('\\').join('/');
}

/** Does package.json#files (directories or files, no globs here) take this path? */
function shipped(path: string): boolean {
  return pkg.files.some((entry) => path === entry || path.startsWith(`${entry.replace(/\/$/, '')}/`));
}

describe('the npm package', () => {
  it('ships the licence, the readme and the compiled entry point', () => {
    expect([...packed]).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    expect(build.outputs.map((o) => o.out)).toEqual(
      expect.arrayContaining(['dist/lib/index.js', 'dist/lib/index.d.ts']),
    );
    expect(shipped('dist/lib/index.js')).toBe(true);
  });

  it('ships no source map whose source is not shipped with it', () => {
    // A map emitted by the build points at its TypeScript source unless the source is inlined.
    const inlined = build.options.inlineSources === true || build.options.inlineSourceMap === true;
    const orphanBuildMaps = build.outputs
      .filter((o) => o.out.endsWith('.map') && shipped(o.out) && !inlined && !packed.has(o.source))
      .map((o) => `${o.out} -> ${o.source}`);
    expect(orphanBuildMaps).toEqual([]);
    // Whatever sits in dist/ today (a stale build included): dist/x.js.map names x.ts.
    const orphanPackedMaps = [...packed]
      .filter((p) => p.endsWith('.map'))
      .filter((p) => !packed.has(p.replace(/^dist\//, '').replace(/\.(d\.ts|js)\.map$/, '.ts')));
    expect(orphanPackedMaps).toEqual([]);
  });

  it('exports the reusable constructs, the configuration and the compliance helpers from lib/index.ts', () => {
    const names = [
      'RempartFunction',
      'EdgeFirewall',
      'loadConfig',
      'validateConfig',
      'acknowledge',
      'addComplianceGates',
      'composeRempart',
    ];
    for (const name of names) expect(rempart).toHaveProperty(name);
  });

  it('resolves handler entries, and names the path when one is missing', () => {
    expect(existsSync(lambdaEntry('health/handler'))).toBe(true);
    expect(() => lambdaEntry('nope/handler')).toThrow(/no handler at .*nope\/handler\.ts or \.js/);
  });
});

/** Every source file that ends up in the package as compiled code. */
function runtimeSources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return runtimeSources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Packages a file loads at run time (type-only imports and Node.js built-ins left out). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
}

describe('the package dependencies', () => {
  const used = new Map<string, string>();
  for (const file of [...runtimeSources('lib'), ...runtimeSources('lambda')]) {
    for (const name of runtimeImports(file)) if (!used.has(name)) used.set(name, file);
  }
  const declared = { ...pkg.dependencies, ...pkg.peerDependencies };

  it('finds the imports of lib/ and lambda/ (a guard on this test itself)', () => {
    expect([...used.keys()]).toEqual(expect.arrayContaining(['aws-cdk-lib', 'constructs', 'zod', 'esbuild']));
  });

  it('declares every package that lib/ or lambda/ loads at run time', () => {
    const undeclared = [...used]
      .filter(([name]) => !(name in declared))
      .map(([name, file]) => `${name} (${file})`);
    expect(undeclared).toEqual([]);
  });

  it('declares no runtime dependency that nothing loads', () => {
    expect(Object.keys(pkg.dependencies).filter((name) => !used.has(name))).toEqual([]);
  });

  it('bundles with esbuild from dependencies, so no consumer falls back to Docker bundling', () => {
    expect(pkg.dependencies).toHaveProperty('esbuild');
  });

  it('takes aws-cdk-lib and constructs as peers (one copy in the consumer app), developed against a version in range', () => {
    for (const name of ['aws-cdk-lib', 'constructs']) {
      expect(pkg.dependencies).not.toHaveProperty(name);
      const range = pkg.peerDependencies[name];
      expect(range).toMatch(/^\^\d+\.\d+\.\d+$/);
      const [major, minor, patch] = range.slice(1).split('.').map(Number);
      const [dMajor, dMinor, dPatch] = pkg.devDependencies[name].split('.').map(Number);
      expect(dMajor).toBe(major);
      expect(dMinor * 1e6 + dPatch).toBeGreaterThanOrEqual(minor * 1e6 + patch);
    }
  });
});
