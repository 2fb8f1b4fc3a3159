import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAssembly, type Assembly } from '../../tools/report/assembly';
import { Resolver } from '../../tools/report/resolver';

/** A small hand-written assembly: one finding, acknowledgements, a London bucket, an unlocked off-site vault. */
export const SMALL = join(__dirname, 'fixtures/small');
export const REVIEW_BEFORE = join(__dirname, 'fixtures/review-before');
export const REVIEW_AFTER = join(__dirname, 'fixtures/review-after');

export function small(): { assembly: Assembly; resolver: Resolver } {
  const assembly = loadAssembly(SMALL);
  return { assembly, resolver: new Resolver(assembly) };
}

// Patches reach deep into untyped template JSON, as CloudFormation writes it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/**
 * A temporary copy of the small fixture with one file changed, to show that a finding disappears
 * (or appears) with the template content that causes it. Remove it with `dispose()`.
 */
export function patchedSmall(
  file: string,
  patch: (json: Json) => void,
): { dir: string; assembly: Assembly; resolver: Resolver; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rempart-report-'));
  cpSync(SMALL, dir, { recursive: true });
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Json;
  patch(json);
  writeFileSync(path, JSON.stringify(json));
  const assembly = loadAssembly(dir);
  return {
    dir,
    assembly,
    resolver: new Resolver(assembly),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function tempDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rempart-report-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
