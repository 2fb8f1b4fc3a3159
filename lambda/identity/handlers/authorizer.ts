import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { secretsManagerPepper, type PepperSource } from '../adapters/pepper';
import { createTokenVerifier, type TokenVerifier } from '../adapters/token-verifier';
import {
  TokenRefusedError,
  UNAUTHORIZED,
  allow,
  bearerToken,
  stageMethodsArn,
  type IdentityContext,
} from '../domain/authorizer';
import { OIDC_ENVIRONMENT, oidcSettingsFromEnvironment } from '../domain/oidc-settings';
import { derivePersonKey, requestTag } from '../domain/person-key';

export interface IdentityDeps {
  readonly verify: TokenVerifier;
  readonly pepper: PepperSource;
  readonly logger?: Logger;
}

/**
 * Verify the bearer ID token and derive the person: the one place a subject exists in clear, in
 * memory only. Logs carry a refusal reason, never the token, the subject or any claim.
 * @throws Error('Unauthorized') when the token is missing or fails verification (401)
 */
export async function identify(
  deps: IdentityDeps,
  authorization: string | undefined,
): Promise<IdentityContext> {
  const logger = deps.logger;
  const token = bearerToken(authorization);
  if (!token) {
    logger?.info('token refused', { refusal: 'MISSING_OR_MALFORMED' });
    throw new Error(UNAUTHORIZED);
  }
  let identity;
  try {
    identity = await deps.verify(token);
  } catch (e) {
    if (e instanceof TokenRefusedError) {
      logger?.info('token refused', { refusal: e.refusal });
      throw new Error(UNAUTHORIZED);
    }
    // The key set is unreachable or broken: our failure (5xx), not the client's.
    logger?.error('token verification unavailable', { error: (e as Error).name });
    throw new Error('Token verification is unavailable');
  }
  const personKey = derivePersonKey(await deps.pepper(), identity.issuer, identity.subject);
  return { personKey, requestTag: requestTag(personKey), expiresAt: identity.expiresAt };
}

export type ReadAuthorizer = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/**
 * TOKEN authorizer of personal reads. Its answer is cached by API Gateway per token, so the
 * allowance names every GET of the stage that uses it, and the context carries `expiresAt` for the
 * function behind it to refuse a cached allowance whose token has expired since.
 */
export function makeReadAuthorizer(deps: IdentityDeps): ReadAuthorizer {
  return async (event) => {
    const who = await identify(deps, event.authorizationToken);
    return allow(who.requestTag, stageMethodsArn(event.methodArn, 'GET'), {
      personKey: who.personKey,
      requestTag: who.requestTag,
      expiresAt: who.expiresAt,
    }) as unknown as APIGatewayAuthorizerResult;
  };
}

/** Dependencies built once per execution environment from the construct's environment. */
export function identityDepsFromEnvironment(env: NodeJS.ProcessEnv = process.env): IdentityDeps {
  const secretId = env[OIDC_ENVIRONMENT.pepperSecretId];
  if (!secretId) throw new Error(`Environment variable ${OIDC_ENVIRONMENT.pepperSecretId} is not set`);
  return {
    verify: createTokenVerifier(oidcSettingsFromEnvironment(env)),
    pepper: secretsManagerPepper(secretId),
    logger: new Logger(),
  };
}

let cached: ReadAuthorizer | undefined;

export const handler: ReadAuthorizer = (event) => {
  cached ??= makeReadAuthorizer(identityDepsFromEnvironment());
  return cached(event);
};
