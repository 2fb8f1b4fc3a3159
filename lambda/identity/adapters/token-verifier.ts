import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { TokenRefusedError, type TokenRefusal, type VerifiedIdentity } from '../domain/authorizer';
import type { OidcSettings } from '../domain/oidc-settings';

/** Longest `sub` accepted (OpenID Connect caps it at 255 ASCII characters). */
const MAX_SUBJECT_LENGTH = 255;

export type TokenVerifier = (token: string) => Promise<VerifiedIdentity>;

export interface TokenVerifierOptions {
  /** Key source; @default a remote JWKS at `settings.jwksUrl`, cached by jose in this environment */
  readonly keys?: JWTVerifyGetKey;
  /** How long a fetched key set is trusted before it is fetched again. @default 10 minutes */
  readonly keyCacheMaxAgeMs?: number;
  /** Timeout of one key-set fetch. @default 3 seconds */
  readonly keyFetchTimeoutMs?: number;
  /** Clock used for `exp`/`nbf` (tests). @default the system clock */
  readonly now?: () => number;
}

/**
 * ID-token verification with jose: signature against the provider's published keys (fetched once
 * per execution environment and cached; an unknown `kid` triggers one re-fetch, rate-limited by
 * jose's cooldown), an allow-list of asymmetric algorithms (`none` and HS* never verify), exact
 * issuer and audience, `exp` and `nbf` with a small clock tolerance, and a bounded `sub`.
 *
 * Throws TokenRefusedError for a token the client must replace (401); any other error (key set
 * unreachable) is the service's and must surface as a 5xx.
 */
export function createTokenVerifier(
  settings: OidcSettings,
  options: TokenVerifierOptions = {},
): TokenVerifier {
  const keys =
    options.keys ??
    createRemoteJWKSet(new URL(settings.jwksUrl), {
      cacheMaxAge: options.keyCacheMaxAgeMs ?? 600_000,
      timeoutDuration: options.keyFetchTimeoutMs ?? 3_000,
    });
  const now = options.now;
  return async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: [...settings.algorithms],
        clockTolerance: settings.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
        currentDate: now ? new Date(now()) : undefined,
      }));
    } catch (e) {
      const refusal = refusalOf(e);
      if (refusal) throw new TokenRefusedError(refusal);
      throw e;
    }
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) {
      throw new TokenRefusedError('MISSING_CLAIM');
    }
    return { issuer: settings.issuer, subject, expiresAt: Number(payload.exp) };
  };
}

/** The client-side reason a jose error stands for, or undefined when it is not the token's fault. */
function refusalOf(e: unknown): TokenRefusal | undefined {
  if (e instanceof errors.JWTExpired) return 'EXPIRED';
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf' || e.claim === 'iat') return 'NOT_YET_VALID';
    if (e.claim === 'iss') return 'WRONG_ISSUER';
    if (e.claim === 'aud') return 'WRONG_AUDIENCE';
    return 'MISSING_CLAIM';
  }
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported)
    return 'ALGORITHM_NOT_ALLOWED';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'BAD_SIGNATURE';
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys)
    return 'UNKNOWN_KEY';
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return 'INVALID';
  return undefined;
}
