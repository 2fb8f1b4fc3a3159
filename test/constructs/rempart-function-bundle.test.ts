import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleHandler } from '../../lib/constructs/rempart-function/bundle';

describe('bundleHandler (content-addressed esbuild cache)', () => {
  const work = mkdtempSync(join(tmpdir(), 'rempart-bundle-test-'));
  const cache = join(work, 'cache');
  const entry = join(work, 'handler.ts');
  const helper = join(work, 'helper.ts');
  writeFileSync(helper, "export const greeting = 'bonjour';\n");
  writeFileSync(
    entry,
    "import { greeting } from './helper';\nexport const handler = async () => greeting;\n",
  );

  it('bundles the handler and what it imports into index.js with a source map, AWS SDK left out', () => {
    const dir = bundleHandler(entry, {}, cache);
    const code = readFileSync(join(dir, 'index.js'), 'utf8');
    expect(code).toContain('bonjour');
    expect(readFileSync(join(dir, 'index.js.map'), 'utf8')).toContain('"mappings"');
  });

  it('rebuilds when a file the bundle read changes, even though the entry did not', () => {
    const first = bundleHandler(entry, {}, join(work, 'cache-2'));
    const before = statSync(join(first, 'index.js')).mtimeMs;
    writeFileSync(helper, "export const greeting = 'salut';\n");
    // A new process would not have the in-memory memo: use another cache root view of the same files.
    const again = bundleHandler(entry, {}, join(work, 'cache-2') + '/');
    expect(readFileSync(join(again, 'index.js'), 'utf8')).toContain('salut');
    expect(statSync(join(again, 'index.js')).mtimeMs).toBeGreaterThanOrEqual(before);
  });

  it('reuses the cached bundle when nothing changed (same directory, not rebuilt)', () => {
    const root = join(work, 'cache-3');
    const dir = bundleHandler(entry, {}, root);
    writeFileSync(join(dir, 'marker'), 'kept');
    const again = bundleHandler(entry, {}, `${root}/.`);
    expect(again.replace(/\/\.\//, '/')).toBe(dir);
    expect(readFileSync(join(again, 'marker'), 'utf8')).toBe('kept');
  });

  it('keeps @aws-sdk/* external by default and bundles it when asked', () => {
    // Inside this repository, so that esbuild resolves the SDK from its node_modules.
    const local = mkdtempSync(join(__dirname, '../../node_modules/.cache/rempart-bundle-test-'));
    const sdkEntry = join(local, 'sdk.ts');
    writeFileSync(
      sdkEntry,
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const handler = async () => new DynamoDBClient({});\n",
    );
    const external = readFileSync(join(bundleHandler(sdkEntry, {}, join(local, 'c')), 'index.js'), 'utf8');
    expect(external).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
    const bundled = readFileSync(
      join(bundleHandler(sdkEntry, { bundleAwsSdk: true }, join(local, 'c')), 'index.js'),
      'utf8',
    );
    expect(bundled).not.toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
    expect(bundled.length).toBeGreaterThan(external.length * 10);
  });
});
