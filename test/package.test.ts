import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as rempart from '../lib';
import { lambdaEntry } from '../lib/lambda-entry';

describe('Rempart as a package', () => {
  it('exports the reusable constructs, the configuration and the compliance helpers from lib/index.ts', () => {
    for (const name of ['RempartFunction', 'LogEncryptionKey', 'DataKey', 'loadConfig', 'validateConfig', 'acknowledge', 'addComplianceGates', 'composeRempart']) {
      expect(rempart).toHaveProperty(name);
    }
  });

  it('points main and types at the build output of lib/index.ts', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8'));
    expect(pkg.main).toBe('dist/lib/index.js');
    expect(pkg.types).toBe('dist/lib/index.d.ts');
    expect(pkg.scripts.build).toMatch(/tsconfig\.build\.json/);
  });

  it('resolves handler entries, and names the path when one is missing', () => {
    expect(existsSync(lambdaEntry('health/handler'))).toBe(true);
    expect(() => lambdaEntry('nope/handler')).toThrow(/no handler at .*nope\/handler\.ts or \.js/);
  });
});
