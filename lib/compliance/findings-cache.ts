import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Hex SHA-256 of a text: the key of a cache entry. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Findings of a validation plugin on one document, kept by content between synths: an unchanged
 * part of an app is not checked again by the next synth, nor by the next test assembly of the same
 * run. A key must cover everything the verdict depends on (the plugin's version, its rules, the
 * document); an unreadable entry is a miss, never an error.
 */
export class FindingsCache {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** `node_modules/.cache/<name>` of the project being synthesized, else `<name>` in the OS temp dir. */
  static named(name: string): FindingsCache {
    const nodeModules = join(process.cwd(), 'node_modules');
    return new FindingsCache(
      existsSync(nodeModules) ? join(nodeModules, '.cache', name) : join(tmpdir(), name),
    );
  }

  read<V extends Finding>(key: string): V[] | undefined {
    try {
      return JSON.parse(readFileSync(this.file(key), 'utf8')) as V[];
    } catch {
      return undefined;
    }
  }

  /** Written aside then renamed: a reader in another process sees the whole entry or none. */
  write(key: string, violations: readonly Finding[]): void {
    const file = this.file(key);
    const staging = `${file}.${process.pid}.tmp`;
    writeFileSync(staging, JSON.stringify(violations));
    renameSync(staging, file);
  }

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }
}

/** What the cache keeps: a policy violation (either generation of aws-cdk-lib's type). */
export interface Finding {
  readonly violatingResources: ReadonlyArray<{ readonly templatePath?: string }>;
}

/** The violation with every resource placed in `templatePath` (a cached finding, for this synth). */
export function atTemplate<V extends Finding>(v: V, templatePath: string): V {
  return { ...v, violatingResources: v.violatingResources.map((r) => ({ ...r, templatePath })) };
}
