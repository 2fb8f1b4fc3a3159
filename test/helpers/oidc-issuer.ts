import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A local OpenID Connect issuer for tests: keys generated in the test run with jose, a key set
 * served over HTTP on 127.0.0.1 (discovery document and JWKS), and token minting with every defect
 * an attacker would try. Close it in afterAll.
 */
export interface LocalOidcIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of every token it mints (unless overridden). */
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly audience: string;
  /** How many times the key set was fetched (to prove the verifier caches it). */
  jwksFetches(): number;
  /** A valid ID token for `subject`, signed with the ES256 key unless `options` say otherwise. */
  idToken(subject: string, options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

export interface TokenOptions {
  readonly alg?: 'ES256' | 'RS256';
  /** Sign with a key the issuer never published (same kid format). */
  readonly unpublishedKey?: boolean;
  /** `kid` header; @default the published key's */
  readonly kid?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; negative for an expired token. @default 300 */
  readonly expiresIn?: number;
  /** Seconds from now of `nbf`. @default none */
  readonly notBefore?: number;
  /** Extra claims (e.g. an e-mail, to prove it is never logged). */
  readonly claims?: JWTPayload;
  /** Leave `sub` out. */
  readonly noSubject?: boolean;
  /** The issuer's clock, epoch ms (tests that move time). @default Date.now() */
  readonly at?: number;
}

interface KeyPair {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function keyPair(alg: 'ES256' | 'RS256', kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, privateKey, jwk };
}

export async function startOidcIssuer(audience = 'rempart-booking-test'): Promise<LocalOidcIssuer> {
  const published = { ES256: await keyPair('ES256', 'es-1'), RS256: await keyPair('RS256', 'rs-1') };
  const unpublished = { ES256: await keyPair('ES256', 'es-2'), RS256: await keyPair('RS256', 'rs-2') };
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/jwks') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [published.ES256.jwk, published.RS256.jwk] }));
      return;
    }
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer,
          jwks_uri: `${issuer}/jwks`,
          id_token_signing_alg_values_supported: ['ES256', 'RS256'],
        }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    audience,
    jwksFetches: () => fetches,
    async idToken(subject, options = {}) {
      const alg = options.alg ?? 'ES256';
      const key = (options.unpublishedKey ? unpublished : published)[alg];
      const now = Math.floor((options.at ?? Date.now()) / 1000);
      const jwt = new SignJWT({ ...options.claims })
        .setProtectedHeader({ alg, kid: options.kid ?? key.kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresIn ?? 300));
      if (!options.noSubject) jwt.setSubject(subject);
      if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
      return jwt.sign(key.privateKey);
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An unsigned token (`alg: none`) carrying the same claims as a real one. */
export function unsignedToken(real: string): string {
  const [, payload] = real.split('.');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
}

/** A real token whose payload was changed after signing (here: another subject). */
export function tamperedToken(real: string, subject: string): string {
  const [header, payload, signature] = real.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  return `${header}.${b64({ ...claims, sub: subject })}.${signature}`;
}

/** A token signed with HMAC (HS256) using `secret`, e.g. the public key material an attacker knows. */
export async function symmetricToken(
  issuer: string,
  audience: string,
  subject: string,
  secret: string,
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', kid: 'es-1' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));
}
