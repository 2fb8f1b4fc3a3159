import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { MIN_PEPPER_LENGTH } from '../domain/person-key';

/** Where the person-key pepper comes from (a function, so tests can give one directly). */
export type PepperSource = () => Promise<string>;

/** Seconds a fetched pepper is reused before Secrets Manager is asked again. */
export const PEPPER_CACHE_SECONDS = 300;

/**
 * The pepper from Secrets Manager, cached in the execution environment by Powertools for
 * PEPPER_CACHE_SECONDS: one GetSecretValue per environment and period, not one per request.
 */
export function secretsManagerPepper(secretId: string): PepperSource {
  return async () => {
    const value = await getSecret(secretId, { maxAge: PEPPER_CACHE_SECONDS });
    if (typeof value !== 'string' || value.length < MIN_PEPPER_LENGTH) {
      throw new Error(
        `Secret ${secretId} does not hold a pepper of at least ${MIN_PEPPER_LENGTH} characters. Fix: let Secrets Manager generate a 64-character value`,
      );
    }
    return value;
  };
}
