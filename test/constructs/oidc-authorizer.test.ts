/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */
import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  OidcAuthorizer,
  OidcAuthorizerKind,
  oidcAuthorizerPropsProblems,
  type OidcAuthorizerProps,
} from '../../lib/constructs/oidc-authorizer/oidc-authorizer';
import { testStack } from '../helpers/synth';

function synth(overrides: Partial<OidcAuthorizerProps> = {}) {
  const stack = testStack();
  const pepperSecret = secretsmanager.Secret.fromSecretNameV2(
    stack,
    'Pepper',
    'rempart/dev/booking/person-pepper',
  );
  const auth = new OidcAuthorizer(stack, 'Identity', {
    issuer: 'https://oidc.franceconnect.gouv.fr/api/v2',
    audience: 'booking-client-id',
    jwksUrl: 'https://oidc.franceconnect.gouv.fr/api/v2/jwks',
    algorithms: ['ES256', 'RS256'],
    pepperSecret,
    reservedConcurrentExecutions: 7,
    ...overrides,
  });
  const api = new apigateway.RestApi(stack, 'Api');
  api.root.addMethod('GET', new apigateway.MockIntegration(), { authorizer: auth.authorizer });
  return { stack, auth, template: Template.fromStack(stack) };
}

describe('OidcAuthorizer defaults (TOKEN, for personal reads)', () => {
  const { template } = synth();

  it('is a TOKEN authorizer on the Authorization header, refusing non-JWT headers without a call, cached 5 minutes per token', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      IdentityValidationExpression: '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*$',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it('gives the function the issuer, audience, key set, algorithms, a 10 s clock tolerance and the pepper secret by name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 7,
      Environment: {
        Variables: Match.objectLike({
          OIDC_ISSUER: 'https://oidc.franceconnect.gouv.fr/api/v2',
          OIDC_AUDIENCE: 'booking-client-id',
          OIDC_JWKS_URL: 'https://oidc.franceconnect.gouv.fr/api/v2/jwks',
          OIDC_ALGORITHMS: 'ES256,RS256',
          OIDC_CLOCK_TOLERANCE_SECONDS: '10',
          PERSON_PEPPER_SECRET_ID: 'rempart/dev/booking/person-pepper',
        }),
      },
    });
  });

  it('lets the function read the pepper secret and nothing else of Secrets Manager', () => {
    const statements: any[] = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p: any): any[] => p.Properties.PolicyDocument.Statement as any[],
    );
    const secrets = statements.filter((s) => JSON.stringify(s.Action).includes('secretsmanager'));
    expect(secrets).toHaveLength(1);
    expect(secrets[0].Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(JSON.stringify(secrets[0].Resource)).toContain('secret:rempart/dev/booking/person-pepper-??????');
  });
});

describe('OidcAuthorizer REQUEST (for writes)', () => {
  it('is never cached, so that every request is seen (and counted)', () => {
    const { template } = synth({ kind: OidcAuthorizerKind.REQUEST, handler: 'handler' });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 0,
    });
  });
});

describe('OidcAuthorizer validation', () => {
  const base: OidcAuthorizerProps = {
    issuer: 'https://idp.example',
    audience: 'aud',
    jwksUrl: 'https://idp.example/jwks',
    algorithms: ['RS256'],
    pepperSecret: undefined as never,
    reservedConcurrentExecutions: 5,
  };
  it.each<[string, Partial<OidcAuthorizerProps>, RegExp]>([
    ['an http issuer', { issuer: 'http://idp.example' }, /issuer is "http:\/\/idp\.example"\. Fix:/],
    [
      'a symmetric algorithm',
      { algorithms: ['HS256'] },
      /algorithms contains HS256, which the service refuses/,
    ],
    ['alg none', { algorithms: ['none'] }, /algorithms contains none/],
    [
      'a cached REQUEST authorizer',
      { kind: OidcAuthorizerKind.REQUEST, resultsCacheTtl: Duration.minutes(1) },
      /resultsCacheTtl is 60 s on a REQUEST authorizer\. Fix:/,
    ],
    [
      'a cache longer than an hour',
      { resultsCacheTtl: Duration.hours(2) },
      /resultsCacheTtl is 7200 s\. Fix: use 0 to 3600 s/,
    ],
    ['a clock tolerance of 5 minutes', { clockToleranceSeconds: 300 }, /clockToleranceSeconds is 300\. Fix:/],
  ])('rejects %s, naming the prop and the fix', (_what, overrides, message) => {
    expect(oidcAuthorizerPropsProblems({ ...base, ...overrides }).join('\n')).toMatch(message);
    expect(() => synth(overrides)).toThrow(message);
  });

  it('reports nothing for valid props', () => {
    expect(oidcAuthorizerPropsProblems(base)).toEqual([]);
  });
});
