import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Absolute path of a handler under `lambda/`, as TypeScript in this repository or as compiled
 * JavaScript when Rempart is installed as a package (dist/lib → dist/lambda).
 */
export function lambdaEntry(relative: string): string {
  const base = path.join(__dirname, '..', 'lambda', relative);
  for (const ext of ['.ts', '.js']) {
    if (existsSync(base + ext)) return base + ext;
  }
  throw new Error(`lambdaEntry(): no handler at ${base}.ts or .js. Fix: check the path under lambda/`);
}
