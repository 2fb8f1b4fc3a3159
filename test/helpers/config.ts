import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { ConfigError, deepMerge, validateConfig } from '../../lib/config/load-config';

/** The message a configuration (default + overrides) is rejected with; fails the test if it is accepted. */
export function problemsFor(overrides: unknown): string {
  try {
    validateConfig(deepMerge(DEFAULT_CONFIG, overrides));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected the configuration to be rejected');
}
