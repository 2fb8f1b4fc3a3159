/**
 * What the service accepts as proof of identity: an OpenID Connect ID token from one issuer, for
 * one audience, signed with one of a few asymmetric algorithms by a key published at a JWKS URL.
 * Pure: shared by the authorizer (runtime), the construct (synth) and the configuration schema.
 */
export interface OidcSettings {
  /** Exact `iss` of the tokens, e.g. "https://oidc.franceconnect.gouv.fr/api/v2". */
  readonly issuer: string;
  /** Exact `aud` expected: the client id the provider issued for this service. */
  readonly audience: string;
  /** HTTPS URL of the provider's JSON Web Key Set (`jwks_uri` of its discovery document). */
  readonly jwksUrl: string;
  /** Accepted `alg` values (`id_token_signing_alg_values_supported`, asymmetric only). */
  readonly algorithms: readonly string[];
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  readonly clockToleranceSeconds: number;
}

/**
 * Asymmetric JWS algorithms only: with a symmetric one (HS256) the verifier would hold the very
 * secret that signs tokens, and `none` is no signature at all.
 */
export const ACCEPTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** Largest clock tolerance accepted: beyond a minute, an expired token stays usable too long. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 60;

/** Environment variables the authorizers read their settings from (set by the construct only). */
export const OIDC_ENVIRONMENT = {
  issuer: 'OIDC_ISSUER',
  audience: 'OIDC_AUDIENCE',
  jwksUrl: 'OIDC_JWKS_URL',
  algorithms: 'OIDC_ALGORITHMS',
  clockToleranceSeconds: 'OIDC_CLOCK_TOLERANCE_SECONDS',
  pepperSecretId: 'PERSON_PEPPER_SECRET_ID',
} as const;

function httpsUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every problem with `settings`, each naming the field (with `prefix`), the value and the fix.
 * Values that are CDK tokens (`${Token[...]}`) are not checked.
 */
export function oidcSettingsProblems(settings: Partial<OidcSettings>, prefix = ''): string[] {
  const problems: string[] = [];
  const isToken = (v: unknown) => typeof v === 'string' && v.includes('${Token[');
  const { issuer, audience, jwksUrl, algorithms, clockToleranceSeconds } = settings;
  if (!isToken(issuer) && (typeof issuer !== 'string' || !httpsUrl(issuer))) {
    problems.push(
      `${prefix}issuer is ${JSON.stringify(issuer)}. Fix: use the provider's exact https issuer (the "issuer" of its /.well-known/openid-configuration)`,
    );
  }
  if (!isToken(audience) && (typeof audience !== 'string' || audience.trim().length === 0)) {
    problems.push(
      `${prefix}audience is ${JSON.stringify(audience)}. Fix: use the client id the provider issued for this service`,
    );
  }
  if (!isToken(jwksUrl) && (typeof jwksUrl !== 'string' || !httpsUrl(jwksUrl))) {
    problems.push(
      `${prefix}jwksUrl is ${JSON.stringify(jwksUrl)}. Fix: use the https "jwks_uri" of the provider's discovery document`,
    );
  }
  const accepted: readonly string[] = ACCEPTED_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    problems.push(
      `${prefix}algorithms is ${JSON.stringify(algorithms)}. Fix: list at least one of ${accepted.join(', ')}`,
    );
  } else {
    const refused = (algorithms as readonly unknown[])
      .filter((a) => typeof a !== 'string' || !accepted.includes(a))
      .map(String);
    if (refused.length) {
      problems.push(
        `${prefix}algorithms contains ${refused.join(', ')}, which the service refuses (symmetric, "none" or unknown). Fix: use only ${accepted.join(', ')}`,
      );
    }
  }
  if (
    clockToleranceSeconds !== undefined &&
    (!Number.isInteger(clockToleranceSeconds) ||
      clockToleranceSeconds < 0 ||
      clockToleranceSeconds > MAX_CLOCK_TOLERANCE_SECONDS)
  ) {
    problems.push(
      `${prefix}clockToleranceSeconds is ${clockToleranceSeconds}. Fix: use a whole number from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}, e.g. 10`,
    );
  }
  return problems;
}

/** Read the settings from the environment the construct set, failing with the variable's name. */
export function oidcSettingsFromEnvironment(env: NodeJS.ProcessEnv): OidcSettings {
  const read = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`Environment variable ${name} is not set (the OidcAuthorizer construct sets it)`);
    return v;
  };
  const settings: OidcSettings = {
    issuer: read(OIDC_ENVIRONMENT.issuer),
    audience: read(OIDC_ENVIRONMENT.audience),
    jwksUrl: read(OIDC_ENVIRONMENT.jwksUrl),
    algorithms: read(OIDC_ENVIRONMENT.algorithms).split(','),
    clockToleranceSeconds: Number(read(OIDC_ENVIRONMENT.clockToleranceSeconds)),
  };
  const problems = oidcSettingsProblems(settings);
  if (problems.length) throw new Error(`Invalid OIDC settings: ${problems.join('; ')}`);
  return settings;
}
