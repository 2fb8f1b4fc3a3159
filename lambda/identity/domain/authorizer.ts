/**
 * What an API Gateway Lambda authorizer answers, built from a verified identity. Pure: no I/O.
 *
 * API Gateway turns a thrown `Error('Unauthorized')` into 401, a Deny policy into ACCESS_DENIED and
 * any other error into AUTHORIZER_FAILURE (a 5xx): only a token that fails verification is the
 * client's fault; an unreachable key set is ours.
 */

/** Longest bearer token accepted (ID tokens are a few KB; anything larger is not one). */
export const MAX_TOKEN_LENGTH = 8192;

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

/** The exact message API Gateway maps to 401 Unauthorized. */
export const UNAUTHORIZED = 'Unauthorized';

/** The token in an `Authorization: Bearer <jwt>` header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header || header.length > MAX_TOKEN_LENGTH + 7) return undefined;
  return BEARER.exec(header.trim())?.[1];
}

/** Why a token was refused: logged (never the token), counted, never sent to the client. */
export type TokenRefusal =
  | 'MISSING_OR_MALFORMED'
  | 'ALGORITHM_NOT_ALLOWED'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_KEY'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'WRONG_ISSUER'
  | 'WRONG_AUDIENCE'
  | 'MISSING_CLAIM'
  | 'INVALID';

/** A token that fails verification: the client's fault, answered 401. */
export class TokenRefusedError extends Error {
  constructor(readonly refusal: TokenRefusal) {
    super(`ID token refused: ${refusal}`);
    this.name = 'TokenRefusedError';
  }
}

/** What a verified ID token says about its holder, and nothing more. */
export interface VerifiedIdentity {
  readonly issuer: string;
  readonly subject: string;
  /** `exp`, epoch seconds. */
  readonly expiresAt: number;
}

/** Context values the authorizers hand to the integration (`$context.authorizer.<name>`). */
export interface IdentityContext {
  readonly personKey: string;
  readonly requestTag: string;
  /** Epoch seconds after which a cached authorization must no longer be honoured. */
  readonly expiresAt: number;
}

export interface PolicyResult {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: ReadonlyArray<{
      Action: string;
      Effect: 'Allow' | 'Deny';
      Resource: string | string[];
    }>;
  };
  readonly context?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<verb>/*`, from the ARN of the method
 * being called. A cached policy is applied to every method that shares the authorizer, so a cached
 * allowance must name all of them, here every `verb` route of the stage.
 */
export function stageMethodsArn(methodArn: string, verb: string): string {
  const [prefix, stage] = methodArn.split('/');
  if (!prefix?.startsWith('arn:') || !stage) throw new Error('methodArn is not an execute-api method ARN');
  return `${prefix}/${stage}/${verb}/*`;
}

export function allow(
  principalId: string,
  resource: string | string[],
  context: Readonly<Record<string, string | number | boolean>>,
): PolicyResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
    },
    context,
  };
}

export function deny(
  principalId: string,
  resource: string,
  context: Readonly<Record<string, string | number | boolean>>,
): PolicyResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: resource }],
    },
    context,
  };
}

/** A cached authorization whose token has expired since is refused by the function it reaches. */
export function authorizationExpired(expiresAt: number, nowMs: number, toleranceSeconds: number): boolean {
  return !Number.isFinite(expiresAt) || nowMs > (expiresAt + toleranceSeconds) * 1000;
}
