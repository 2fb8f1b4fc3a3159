import { createHmac } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { createTokenVerifier, type TokenVerifier } from '../../lambda/identity/adapters/token-verifier';
import {
  TokenRefusedError,
  authorizationExpired,
  bearerToken,
  stageMethodsArn,
  type TokenRefusal,
} from '../../lambda/identity/domain/authorizer';
import {
  OIDC_ENVIRONMENT,
  oidcSettingsFromEnvironment,
  oidcSettingsProblems,
} from '../../lambda/identity/domain/oidc-settings';
import { derivePersonKey, requestTag } from '../../lambda/identity/domain/person-key';
import { makeReadAuthorizer } from '../../lambda/identity/handlers/authorizer';
import { captureOutput } from '../helpers/capture-logs';
import {
  startOidcIssuer,
  symmetricToken,
  tamperedToken,
  unsignedToken,
  type LocalOidcIssuer,
} from '../helpers/oidc-issuer';

const PEPPER = 'p'.repeat(48);
const methodArn = 'arn:aws:execute-api:eu-west-3:111111111111:abc123/v1/GET/api/bookings/x';

describe('person key', () => {
  it('is HMAC-SHA256(pepper, issuer + "\\n" + subject), hex', () => {
    const expected = createHmac('sha256', PEPPER).update('https://idp.example\nsubject-1').digest('hex');
    expect(derivePersonKey(PEPPER, 'https://idp.example', 'subject-1')).toBe(expected);
  });

  it('differs per issuer and per pepper (no cross-provider collision, no dictionary without the pepper)', () => {
    const a = derivePersonKey(PEPPER, 'https://idp-a.example', 'same-subject');
    expect(derivePersonKey(PEPPER, 'https://idp-b.example', 'same-subject')).not.toBe(a);
    expect(derivePersonKey('q'.repeat(48), 'https://idp-a.example', 'same-subject')).not.toBe(a);
  });

  it('refuses a short pepper, naming the fix', () => {
    expect(() => derivePersonKey('short', 'https://idp.example', 's')).toThrow(
      /at least 32 are needed\. Fix:/,
    );
  });

  it('gives a 16-hex request tag that is neither the key nor its prefix', () => {
    const key = derivePersonKey(PEPPER, 'https://idp.example', 's');
    expect(requestTag(key)).toMatch(/^[a-f0-9]{16}$/);
    expect(key.startsWith(requestTag(key))).toBe(false);
  });
});

describe('OIDC settings', () => {
  const good = {
    issuer: 'https://oidc.franceconnect.gouv.fr/api/v2',
    audience: 'client-id',
    jwksUrl: 'https://oidc.franceconnect.gouv.fr/api/v2/jwks',
    algorithms: ['ES256', 'RS256'],
    clockToleranceSeconds: 10,
  };

  it('accepts an https issuer and key set with asymmetric algorithms', () => {
    expect(oidcSettingsProblems(good)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'an http issuer',
      { issuer: 'http://idp.example' },
      /issuer is "http:\/\/idp\.example"\. Fix: use the provider's exact https issuer/,
    ],
    ['an empty audience', { audience: ' ' }, /audience is " "\. Fix: use the client id/],
    ['a non-https key set', { jwksUrl: 'ftp://x' }, /jwksUrl is "ftp:\/\/x"\. Fix:/],
    ['HS256', { algorithms: ['RS256', 'HS256'] }, /algorithms contains HS256, which the service refuses/],
    ['none', { algorithms: ['none'] }, /algorithms contains none/],
    ['no algorithm', { algorithms: [] }, /algorithms is \[\]\. Fix: list at least one/],
    [
      'a large clock tolerance',
      { clockToleranceSeconds: 600 },
      /clockToleranceSeconds is 600\. Fix: .* 0 to 60/,
    ],
  ])('refuses %s', (_what, override, message) => {
    expect(oidcSettingsProblems({ ...good, ...override }, 'booking.identity.').join('\n')).toMatch(message);
  });

  it('reads the settings the construct sets from the environment, and names a missing variable', () => {
    const env = {
      [OIDC_ENVIRONMENT.issuer]: good.issuer,
      [OIDC_ENVIRONMENT.audience]: good.audience,
      [OIDC_ENVIRONMENT.jwksUrl]: good.jwksUrl,
      [OIDC_ENVIRONMENT.algorithms]: 'ES256,RS256',
      [OIDC_ENVIRONMENT.clockToleranceSeconds]: '10',
    };
    expect(oidcSettingsFromEnvironment(env)).toEqual(good);
    expect(() => oidcSettingsFromEnvironment({ ...env, [OIDC_ENVIRONMENT.jwksUrl]: '' })).toThrow(
      /OIDC_JWKS_URL is not set/,
    );
    expect(() => oidcSettingsFromEnvironment({ ...env, [OIDC_ENVIRONMENT.algorithms]: 'HS256' })).toThrow(
      /HS256/,
    );
  });
});

describe('authorizer helpers', () => {
  it('reads only a well-formed bearer JWT from the Authorization header', () => {
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(bearerToken('bearer a.b.c')).toBeUndefined();
    expect(bearerToken('Basic dXNlcg==')).toBeUndefined();
    expect(bearerToken(`Bearer ${'a'.repeat(9000)}.b.c`)).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('allows every GET of the stage in a cacheable answer, not only the method called', () => {
    expect(stageMethodsArn(methodArn, 'GET')).toBe(
      'arn:aws:execute-api:eu-west-3:111111111111:abc123/v1/GET/*',
    );
  });

  it('treats a cached authorization as expired past exp + tolerance', () => {
    expect(authorizationExpired(1000, 1_005_000, 10)).toBe(false);
    expect(authorizationExpired(1000, 1_011_000, 10)).toBe(true);
    expect(authorizationExpired(Number.NaN, 0, 10)).toBe(true);
  });
});

describe('ID token verification against a local issuer (jose)', () => {
  let idp: LocalOidcIssuer;
  let verify: TokenVerifier;

  beforeAll(async () => {
    idp = await startOidcIssuer();
    verify = createTokenVerifier({
      issuer: idp.issuer,
      audience: idp.audience,
      jwksUrl: idp.jwksUrl,
      algorithms: ['ES256', 'RS256'],
      clockToleranceSeconds: 5,
    });
  });
  afterAll(() => idp.close());

  it('accepts valid ES256 and RS256 tokens and returns only issuer, subject and expiry', async () => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const identity = await verify(
        await idp.idToken('citizen-1', { alg, claims: { email: 'jean@example.fr' } }),
      );
      expect(identity).toEqual({
        issuer: idp.issuer,
        subject: 'citizen-1',
        expiresAt: expect.any(Number) as number,
      });
    }
  });

  it('fetches the key set once and reuses it for later tokens', async () => {
    const before = idp.jwksFetches();
    for (let i = 0; i < 5; i++) await verify(await idp.idToken(`cached-${i}`));
    expect(idp.jwksFetches()).toBe(before);
    expect(before).toBeGreaterThanOrEqual(1);
  });

  const refusals: Array<[string, () => Promise<string>, TokenRefusal]> = [
    ['alg none', async () => unsignedToken(await idp.idToken('x')), 'ALGORITHM_NOT_ALLOWED'],
    [
      'HS256 signed with a guessable secret',
      () => symmetricToken(idp.issuer, idp.audience, 'x', 'k'.repeat(32)),
      'ALGORITHM_NOT_ALLOWED',
    ],
    ['a wrong issuer', () => idp.idToken('x', { issuer: 'https://evil.example' }), 'WRONG_ISSUER'],
    ['a wrong audience', () => idp.idToken('x', { audience: 'another-service' }), 'WRONG_AUDIENCE'],
    ['an expired token', () => idp.idToken('x', { expiresIn: -60 }), 'EXPIRED'],
    ['a token not yet valid', () => idp.idToken('x', { notBefore: 120 }), 'NOT_YET_VALID'],
    ['an unknown kid', () => idp.idToken('x', { unpublishedKey: true }), 'UNKNOWN_KEY'],
    [
      'a known kid with a key the issuer never published',
      () => idp.idToken('x', { unpublishedKey: true, kid: 'es-1' }),
      'BAD_SIGNATURE',
    ],
    [
      'a tampered payload',
      async () => tamperedToken(await idp.idToken('x'), 'someone-else'),
      'BAD_SIGNATURE',
    ],
    ['no subject', () => idp.idToken('x', { noSubject: true }), 'MISSING_CLAIM'],
    ['garbage', () => Promise.resolve('a.b.c'), 'INVALID'],
  ];
  it.each(refusals)('refuses %s', async (_what, token, refusal) => {
    const error = await verify(await token()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRefusedError);
    expect((error as TokenRefusedError).refusal).toBe(refusal);
  });

  it('tolerates a few seconds of clock skew, not more', async () => {
    await expect(verify(await idp.idToken('skew', { notBefore: 3 }))).resolves.toMatchObject({
      subject: 'skew',
    });
    await expect(verify(await idp.idToken('skew', { expiresIn: -3 }))).resolves.toMatchObject({
      subject: 'skew',
    });
  });

  it('reports an unreachable key set as the service failing, not as a bad token', async () => {
    const unreachable = createTokenVerifier(
      {
        issuer: idp.issuer,
        audience: idp.audience,
        jwksUrl: 'http://127.0.0.1:9/jwks',
        algorithms: ['ES256'],
        clockToleranceSeconds: 5,
      },
      { keyFetchTimeoutMs: 500 },
    );
    const error = await unreachable(await idp.idToken('x')).catch((e: unknown) => e);
    // fetch's own TypeError (another realm under Jest): anything but a refusal of the token.
    expect((error as Error).name).toMatch(/Error$/);
    expect(error).not.toBeInstanceOf(TokenRefusedError);
  });
});

describe('read authorizer (TOKEN, cached per token)', () => {
  let idp: LocalOidcIssuer;
  let authorize: ReturnType<typeof makeReadAuthorizer>;
  const logger = new Logger({ serviceName: 'read-authorizer' });

  beforeAll(async () => {
    idp = await startOidcIssuer();
    authorize = makeReadAuthorizer({
      verify: createTokenVerifier({
        issuer: idp.issuer,
        audience: idp.audience,
        jwksUrl: idp.jwksUrl,
        algorithms: ['ES256', 'RS256'],
        clockToleranceSeconds: 5,
      }),
      pepper: () => Promise.resolve(PEPPER),
      logger,
    });
  });
  afterAll(() => idp.close());

  const event = (token: string): APIGatewayTokenAuthorizerEvent => ({
    type: 'TOKEN',
    authorizationToken: `Bearer ${token}`,
    methodArn,
  });

  it('allows the stage GETs with the derived person key, its request tag and the token expiry', async () => {
    const result = await authorize(event(await idp.idToken('citizen-42')));
    const personKey = derivePersonKey(PEPPER, idp.issuer, 'citizen-42');
    expect(result.principalId).toBe(requestTag(personKey));
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-3:111111111111:abc123/v1/GET/*',
      },
    ]);
    expect(result.context).toEqual({
      personKey,
      requestTag: requestTag(personKey),
      expiresAt: expect.any(Number) as number,
    });
  });

  it('answers Unauthorized (401) to every bad token and never logs the token, the subject or a claim', async () => {
    const subject = 'subject-never-logged-7c1e';
    const email = 'jean.dupont@example.fr';
    const valid = await idp.idToken(subject, { claims: { email } });
    const bad = [
      unsignedToken(valid),
      tamperedToken(valid, `${subject}-x`),
      await idp.idToken(subject, { expiresIn: -60, claims: { email } }),
      await idp.idToken(subject, { audience: 'other', claims: { email } }),
      'not-a-jwt',
    ];
    const output = await captureOutput(async () => {
      for (const token of bad) await expect(authorize(event(token))).rejects.toThrow(/^Unauthorized$/);
      await authorize(event(valid));
    });
    expect(output).toContain('token refused');
    for (const secret of [
      subject,
      email,
      valid,
      valid.split('.')[1],
      derivePersonKey(PEPPER, idp.issuer, subject),
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});
