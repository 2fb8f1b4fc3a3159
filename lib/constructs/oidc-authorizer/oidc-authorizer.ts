import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  OIDC_ENVIRONMENT,
  oidcSettingsProblems,
  type OidcSettings,
} from '../../../lambda/identity/domain/oidc-settings';
import { lambdaEntry } from '../../lambda-entry';
import { InvocationKind, RempartFunction } from '../rempart-function/rempart-function';

export {
  ACCEPTED_ALGORITHMS,
  MAX_CLOCK_TOLERANCE_SECONDS,
} from '../../../lambda/identity/domain/oidc-settings';

/** How API Gateway calls the authorizer. */
export enum OidcAuthorizerKind {
  /**
   * TOKEN: only the `Authorization` header reaches the function; API Gateway may cache the answer
   * per token (`resultsCacheTtl`). For reads.
   */
  TOKEN = 'TOKEN',
  /**
   * REQUEST: headers, path and method reach the function (e.g. to apply per-caller limits). Never
   * cached here: every request must be seen.
   */
  REQUEST = 'REQUEST',
}

/** Props of {@link OidcAuthorizer}; `oidcAuthorizerPropsProblems()` checks them. */
export interface OidcAuthorizerProps {
  /** Exact `iss` of the ID tokens, e.g. "https://oidc.franceconnect.gouv.fr/api/v2". */
  readonly issuer: string;
  /** Exact `aud` expected: the client id the provider issued for this service. */
  readonly audience: string;
  /** HTTPS URL of the provider's key set (`jwks_uri` of its discovery document). */
  readonly jwksUrl: string;
  /** Accepted signing algorithms: asymmetric only (ACCEPTED_ALGORITHMS); `none` and HS* are refused. */
  readonly algorithms: readonly string[];
  /** Seconds of clock skew tolerated on `exp`/`nbf`, 0 to 60. @default 10 */
  readonly clockToleranceSeconds?: number;
  /**
   * The secret pepper of person keys (HMAC-SHA256 of issuer and subject). Read by the function
   * with GetSecretValue, cached 5 minutes per execution environment.
   */
  readonly pepperSecret: secretsmanager.ISecret;
  /**
   * Customer-managed key of the pepper, when `pepperSecret` is imported without it (e.g. a replica
   * in another stack): the function gets kms:Decrypt on it through Secrets Manager only, by IAM,
   * without editing the key's policy (which would tie the key's stack to this one).
   * @default - the secret's own `encryptionKey`, granted by `grantRead`
   */
  readonly pepperKey?: kms.IKey;
  /**
   * How API Gateway calls the function (see {@link OidcAuthorizerKind}).
   * @default OidcAuthorizerKind.TOKEN
   */
  readonly kind?: OidcAuthorizerKind;
  /**
   * How long API Gateway keeps an answer per token (TOKEN only; the function behind it must check
   * the `expiresAt` the context carries). 0 to 3600 s.
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
  /**
   * Handler file. Its handler must answer API Gateway's authorizer event.
   * @default the read authorizer lambda/identity/handlers/authorizer.ts
   */
  readonly entry?: string;
  /** Exported function of `entry` that handles the event. @default "handler" */
  readonly handler?: string;
  /** Added to the environment the construct sets (OIDC settings, pepper secret). @default - none */
  readonly environment?: Record<string, string>;
  /** The function's share of the Region's concurrency. */
  readonly reservedConcurrentExecutions: number;
  /** Key of the function's log group; share the stack's. @default - a new LogEncryptionKey */
  readonly logEncryptionKey?: kms.IKey;
  /** Description of the function. @default "Verifies OpenID Connect ID tokens and derives the person key" */
  readonly description?: string;
}

/** Largest `resultsCacheTtl` API Gateway accepts. */
export const MAX_RESULTS_CACHE_SECONDS = 3600;

/**
 * Every problem with `props`, each naming the prop, the value and the fix; empty when valid.
 * Pure, so the configuration can report its own field names with it.
 */
export function oidcAuthorizerPropsProblems(props: OidcAuthorizerProps): string[] {
  const settings: Partial<OidcSettings> = {
    issuer: props.issuer,
    audience: props.audience,
    jwksUrl: props.jwksUrl,
    algorithms: props.algorithms,
    clockToleranceSeconds: props.clockToleranceSeconds,
  };
  const problems = oidcSettingsProblems(settings);
  const ttl = props.resultsCacheTtl;
  if (ttl && !Token.isUnresolved(ttl.toSeconds())) {
    const seconds = ttl.toSeconds();
    if (seconds < 0 || seconds > MAX_RESULTS_CACHE_SECONDS) {
      problems.push(`resultsCacheTtl is ${seconds} s. Fix: use 0 to ${MAX_RESULTS_CACHE_SECONDS} s`);
    }
    if ((props.kind ?? OidcAuthorizerKind.TOKEN) === OidcAuthorizerKind.REQUEST && seconds !== 0) {
      problems.push(
        `resultsCacheTtl is ${seconds} s on a REQUEST authorizer. Fix: leave it out (REQUEST authorizers here see every request, e.g. to count it) or use kind TOKEN`,
      );
    }
  }
  return problems;
}

/**
 * An API Gateway Lambda authorizer that accepts an OpenID Connect ID token (`Authorization: Bearer
 * <jwt>`) from one configured issuer, verified with jose against the provider's published keys,
 * and hands the integration a pseudonymous `personKey` (HMAC of issuer and subject with a secret
 * pepper), a `requestTag` (binds request ids to their owner) and the token's `expiresAt`. No token,
 * subject or claim is logged. A bad token is 401; an unreachable key set is a 5xx (AUTHORIZER_FAILURE).
 *
 * Attach `authorizer` to methods. The function needs outbound HTTPS to the JWKS URL (it runs
 * outside any VPC).
 */
export class OidcAuthorizer extends Construct {
  /** The authorizer to give methods as `authorizer`. */
  public readonly authorizer: apigateway.IAuthorizer;
  /** The function that verifies tokens, to alarm on its errors and throttles. */
  public readonly function: RempartFunction;

  constructor(scope: Construct, id: string, props: OidcAuthorizerProps) {
    super(scope, id);
    const problems = oidcAuthorizerPropsProblems(props);
    if (problems.length) throw new Error(`OidcAuthorizer ${this.node.path}: ${problems.join('; ')}`);
    const kind = props.kind ?? OidcAuthorizerKind.TOKEN;

    this.function = new RempartFunction(this, 'Function', {
      entry: props.entry ?? lambdaEntry('identity/handlers/authorizer'),
      handler: props.handler,
      description: props.description ?? 'Verifies OpenID Connect ID tokens and derives the person key',
      invocation: InvocationKind.SYNCHRONOUS,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      logEncryptionKey: props.logEncryptionKey,
      timeout: Duration.seconds(10),
      environment: {
        [OIDC_ENVIRONMENT.issuer]: props.issuer,
        [OIDC_ENVIRONMENT.audience]: props.audience,
        [OIDC_ENVIRONMENT.jwksUrl]: props.jwksUrl,
        [OIDC_ENVIRONMENT.algorithms]: props.algorithms.join(','),
        [OIDC_ENVIRONMENT.clockToleranceSeconds]: String(props.clockToleranceSeconds ?? 10),
        // By name: the same name finds the replica in every Region (a partial ARN may not resolve).
        [OIDC_ENVIRONMENT.pepperSecretId]: props.pepperSecret.secretName,
        ...props.environment,
      },
    });
    props.pepperSecret.grantRead(this.function.function);
    if (props.pepperKey) {
      this.function.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.pepperKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }

    const header = apigateway.IdentitySource.header('Authorization');
    this.authorizer =
      kind === OidcAuthorizerKind.TOKEN
        ? new apigateway.TokenAuthorizer(this, 'Authorizer', {
            handler: this.function.function,
            identitySource: header,
            // Not even a function call for a header that cannot be a bearer JWT.
            validationRegex: '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*$',
            resultsCacheTtl: props.resultsCacheTtl ?? Duration.minutes(5),
          })
        : new apigateway.RequestAuthorizer(this, 'Authorizer', {
            handler: this.function.function,
            // A missing header is answered 401 without calling the function.
            identitySources: [header],
            resultsCacheTtl: Duration.seconds(0),
          });
  }
}
