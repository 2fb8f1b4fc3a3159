import { runInNewContext } from 'node:vm';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import {
  ResilientDistribution,
  type ResilientDistributionProps,
} from '../../lib/constructs/resilient-distribution/resilient-distribution';
import { retryPageHtml } from '../../lib/constructs/resilient-distribution/error-pages/retry-page';
import { RetryPageBucket } from '../../lib/constructs/resilient-distribution/retry-page';
import { behavior, distributionConfig } from '../edge/cfn-types';
import { cacheKeyOf, type CachePolicyConfig } from '../edge/cache-key';
import { testStack } from '../helpers/synth';

const WEB_ACL = 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/booking/0123';

function build(props: Partial<ResilientDistributionProps> = {}, region = 'us-east-1') {
  const stack = testStack(region);
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
    hostedZoneId: 'Z0REMPARTDEMO00000000',
    zoneName: 'rempart-demo.fr',
  });
  const http = (host: string) => new origins.HttpOrigin(host);
  const dist = new ResilientDistribution(stack, 'Dist', {
    domainName: 'rdv.rempart-demo.fr',
    hostedZone: zone,
    webAclArn: WEB_ACL,
    defaultRoute: {
      kind: 'static',
      origin: http('site-a.example.com'),
      fallbackOrigin: http('site-b.example.com'),
    },
    routes: [
      { pathPattern: '/api/bookings*', kind: 'write', origin: http('origin.rdv.rempart-demo.fr') },
      {
        pathPattern: '/api/*',
        kind: 'read',
        origin: http('api-a.example.com'),
        fallbackOrigin: http('api-b.example.com'),
      },
    ],
    retryPage: { origin: http('pages.example.com'), path: '/_rempart/retry.html' },
    accessLogging: { encryptionKey: new kms.Key(stack, 'Key') },
    ...props,
  });
  return { stack, dist };
}

const { stack } = build();
const template = Template.fromStack(stack);
const config = () => distributionConfig(template);

describe('ResilientDistribution', () => {
  it('serves its name over TLS 1.2 (2021) with SNI, HTTP/2 and 3, and the web ACL attached', () => {
    expect(config()).toMatchObject({
      Aliases: ['rdv.rempart-demo.fr'],
      ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      HttpVersion: 'http2and3',
      WebACLId: WEB_ACL,
      PriceClass: 'PriceClass_100',
      // A static site answers "/" with its page, never with a bucket listing or error.
      DefaultRootObject: 'index.html',
    });
  });

  it('creates a DNS-validated certificate and alias records when given only the zone', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'rdv.rempart-demo.fr',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'rdv.rempart-demo.fr', HostedZoneId: 'Z0REMPARTDEMO00000000' }],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'rdv.rempart-demo.fr.', Type: 'A' });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'rdv.rempart-demo.fr.', Type: 'AAAA' });
  });

  it('is HTTPS-only towards viewers and origins', () => {
    const c = config();
    for (const b of [c.DefaultCacheBehavior, ...c.CacheBehaviors])
      expect(b.ViewerProtocolPolicy).toBe('https-only');
    for (const o of c.Origins) {
      expect(o.CustomOriginConfig).toMatchObject({
        OriginProtocolPolicy: 'https-only',
        OriginSSLProtocols: ['TLSv1.2'],
      });
    }
  });

  it('fails the static site and the reads over to the other Region with origin groups', () => {
    const groups = config().OriginGroups.Items;
    expect(groups).toHaveLength(2);
    expect(groups.map((g) => g.FailoverCriteria.StatusCodes.Items)).toEqual([
      [403, 404, 500, 502, 503, 504],
      // 403: a Region whose origin secret is being rotated refuses CloudFront; the other still trusts it.
      [403, 500, 502, 503, 504],
    ]);
    expect(config().DefaultCacheBehavior.TargetOriginId).toBe(groups[0].Id);
    const read = behavior(config(), '/api/*');
    expect(read).toMatchObject({ TargetOriginId: groups[1].Id, AllowedMethods: ['GET', 'HEAD', 'OPTIONS'] });
  });

  it('micro-caches reads for 5 seconds, keyed on the path only when the route reads no parameter', () => {
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ DefaultTTL: 5, MaxTTL: 5, MinTTL: 0 }),
    });
    const [policy] = Object.values(template.findResources('AWS::CloudFront::CachePolicy'));
    const key = cacheKeyOf(policy.Properties.CachePolicyConfig as CachePolicyConfig);
    expect(key('/api/centres?r=1')).toBe(key('/api/centres?r=2'));
    expect(key('/api/centres?r=1')).toBe(key('/api/centres'));
  });

  it('routes writes to one origin (a failover DNS name), uncached, every method', () => {
    const write = behavior(config(), '/api/bookings*');
    const groupIds = config().OriginGroups.Items.map((g) => g.Id);
    expect(groupIds).not.toContain(write.TargetOriginId);
    expect(write.AllowedMethods).toEqual(expect.arrayContaining(['POST', 'PUT', 'DELETE']));
    expect(write.CachePolicyId).toBe(cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId);
    const origin = config().Origins.find((o) => o.Id === write.TargetOriginId);
    expect(origin?.DomainName).toBe('origin.rdv.rempart-demo.fr');
    // CloudFront matches in order: the write pattern must come before "/api/*".
    const order = config().CacheBehaviors.map((b) => b.PathPattern);
    expect(order.indexOf('/api/bookings*')).toBeLessThan(order.indexOf('/api/*'));
  });

  it('turns 5xx into the static retry page, keeping the status, cached 10 seconds', () => {
    expect(config().CustomErrorResponses).toEqual(
      [500, 502, 503, 504].map((code) => ({
        ErrorCode: code,
        ResponseCode: code,
        ResponsePagePath: '/_rempart/retry.html',
        ErrorCachingMinTTL: 10,
      })),
    );
    const pages = behavior(config(), '/_rempart/*');
    expect(pages.AllowedMethods).toEqual(['GET', 'HEAD']);
  });

  it('sends security headers on every behaviour', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 63072000,
            IncludeSubdomains: true,
            Preload: true,
            Override: true,
          },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentSecurityPolicy: {
            ContentSecurityPolicy: Match.stringLikeRegexp("frame-ancestors 'none'"),
            Override: true,
          },
        }),
      }),
    });
    const c = config();
    const ids = new Set(
      [c.DefaultCacheBehavior, ...c.CacheBehaviors].map((b) => JSON.stringify(b.ResponseHeadersPolicyId)),
    );
    expect(ids.size).toBe(1);
  });

  it('delivers access logs (standard logging v2) to an encrypted log group', () => {
    template.hasResourceProperties('AWS::Logs::DeliverySource', {
      LogType: 'ACCESS_LOGS',
      ResourceArn: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::Logs::DeliveryDestination', { OutputFormat: 'json' });
    template.resourceCountIs('AWS::Logs::Delivery', 1);
    // Personal data stays out of the us-east-1 access logs: no viewer address, port or cookies.
    const fields = Object.values(template.findResources('AWS::Logs::Delivery'))[0].Properties
      .RecordFields as string[];
    expect(fields).toEqual(
      expect.arrayContaining(['date', 'time', 'sc-status', 'cs-uri-stem', 'x-edge-request-id']),
    );
    for (const personal of ['c-ip', 'c-port', 'x-forwarded-for', 'cs(Cookie)', 'cs-uri-query']) {
      expect(fields).not.toContain(personal);
    }
    // Connection data is kept a year (LCEN, décret 2021-1362), under a customer-managed key.
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      RetentionInDays: 365,
    });
  });
});

describe('ResilientDistribution validation', () => {
  const http = new origins.HttpOrigin('x.example.com');
  it.each<[string, Partial<ResilientDistributionProps>, RegExp]>([
    [
      'a write route with a fallback origin',
      { routes: [{ pathPattern: '/w/*', kind: 'write', origin: http, fallbackOrigin: http }] },
      /routes "\/w\/\*" is a write route with a fallbackOrigin: CloudFront origin groups fail over only GET, HEAD and OPTIONS/,
    ],
    [
      'a TLS policy older than 2021',
      { minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2019 },
      /minimumProtocolVersion is TLSv1\.2_2019/,
    ],
    [
      'a REGIONAL web ACL',
      { webAclArn: 'arn:aws:wafv2:eu-west-3:111111111111:regional/webacl/x/1' },
      /is not a CLOUDFRONT-scope web ACL/,
    ],
    [
      'a relative retry page path',
      { retryPage: { origin: http, path: 'retry.html' } },
      /retryPage\.path is "retry\.html"/,
    ],
    ['a status CloudFront cannot customise', { retryStatusCodes: [418] }, /retryStatusCodes contains 418/],
    [
      '429, which only the web ACL can answer',
      { retryStatusCodes: [429, 503] },
      /retryStatusCodes contains 429, which CloudFront custom error responses do not accept/,
    ],
    ['a long error-caching TTL', { errorCachingTtl: Duration.minutes(10) }, /errorCachingTtl is 600 s/],
    ['a read cache of two minutes', { readCacheTtl: Duration.minutes(2) }, /readCacheTtl is 120 s/],
    [
      'neither certificate nor zone',
      { hostedZone: undefined },
      /neither certificate nor hostedZone is given/,
    ],
  ])('rejects %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  it.each<[string, Partial<ResilientDistributionProps>, RegExp]>([
    [
      'query parameters on a write route',
      { routes: [{ pathPattern: '/w', kind: 'write', origin: http, queryParameters: ['a'] }] },
      /routes "\/w" is a write route with queryParameters/,
    ],
    [
      'a query parameter that is not a name',
      { routes: [{ pathPattern: '/r/*', kind: 'read', origin: http, queryParameters: ['a b'] }] },
      /has query parameter "a b"/,
    ],
    [
      'more query parameters than a cache key holds',
      {
        routes: [
          {
            pathPattern: '/r/*',
            kind: 'read',
            origin: http,
            queryParameters: Array.from({ length: 11 }, (_, i) => `p${i}`),
          },
        ],
      },
      /lists 11 query parameters\. Fix: keep at most 10/,
    ],
    [
      'a viewer-request function on a route that does not exist',
      { viewerRequest: { function: gateFunction(), pathPatterns: ['/nope/*'] } },
      /viewerRequest\.pathPatterns has "\/nope\/\*", which is not a route/,
    ],
    [
      'a viewer-request function on no route',
      { viewerRequest: { function: gateFunction() } },
      /viewerRequest names no route/,
    ],
    [
      'a root object with a leading slash',
      { defaultRootObject: '/index.html' },
      /defaultRootObject is "\/index\.html"/,
    ],
    [
      'access logs kept less than a year',
      {
        accessLogging: {
          encryptionKey: new kms.Key(testStack('us-east-1'), 'K'),
          retention: logs.RetentionDays.SIX_MONTHS,
        },
      },
      /accessLogging\.retention is 180 days\. Fix: keep CloudFront access logs at least 365 days/,
    ],
  ])('rejects %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  it('rejects a certificate outside us-east-1', () => {
    const stack = testStack('us-east-1');
    const certificate = acm.Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:eu-west-3:111111111111:certificate/11111111-2222-3333-4444-555555555555',
    );
    expect(() => build({ certificate })).toThrow(
      /certificate .* is in eu-west-3\. Fix: CloudFront accepts only certificates from us-east-1/,
    );
  });

  it('rejects a stack outside us-east-1', () => {
    expect(() => build({}, 'eu-west-3')).toThrow(
      /the stack is in eu-west-3\. Fix: create ResilientDistribution in a us-east-1 stack/,
    );
  });
});

describe('RetryPageBucket', () => {
  const s = testStack('us-east-1');
  const page = new RetryPageBucket(s, 'Retry', {
    pagePath: '/_rempart/retry.html',
    serviceName: 'Rempart',
    retryAfterSeconds: 30,
  });
  const t = Template.fromStack(s);

  it('keeps the page in a private, KMS-encrypted, TLS-only bucket', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    expect(page.pagePath).toBe('/_rempart/retry.html');
  });

  it('expires old page versions, so the versioned bucket does not grow with every deploy', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ],
      },
    });
  });

  it('writes the bilingual page through a custom resource allowed to put that one object only', () => {
    t.hasResourceProperties('Custom::RempartStaticPage', {
      Pages: [
        {
          Key: '_rempart/retry.html',
          ContentType: 'text/html; charset=utf-8',
          Body: retryPageHtml({ serviceName: 'Rempart', retryAfterSeconds: 30 }),
          CacheControl: 'public, max-age=300',
        },
      ],
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/_rempart/retry.html']] },
          }),
        ]),
      },
    });
  });

  it('rejects a page path that is not an .html file', () => {
    expect(
      () =>
        new RetryPageBucket(testStack('us-east-1'), 'X', {
          pagePath: '/retry',
          serviceName: 'R',
          retryAfterSeconds: 5,
        }),
    ).toThrow(/pagePath is "\/retry"\. Fix: use an absolute path to an \.html page/);
  });
});

describe('retry page', () => {
  const html = retryPageHtml({ serviceName: 'Prise de <RDV>', retryAfterSeconds: 30 });
  it('speaks French and English, reloads itself and escapes the service name', () => {
    expect(html).toContain('<section lang="fr">');
    expect(html).toContain('<section lang="en">');
    expect(html).toContain('Forte affluence');
    expect(html).toContain('High demand');
    expect(html).toContain('<meta http-equiv="refresh" content="30">');
    expect(html).toContain('Prise de &#60;RDV&#62;');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});

describe('ResilientDistribution client cookie', () => {
  const withCookie = Template.fromStack(build({ clientCookie: 'rempart-session' }).stack);
  const fn = Object.values(withCookie.findResources('AWS::CloudFront::Function'))[0];
  // Run the function's real code the way CloudFront's JS 2.0 runtime calls it.
  const handler = runInNewContext(`${fn.Properties.FunctionCode as string}; handler`, { Math }) as (
    e: unknown,
  ) => { cookies: Record<string, { value: string; attributes: string }> };

  it('attaches a JS 2.0 viewer-response function to every behaviour', () => {
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    const cfg = distributionConfig(withCookie);
    for (const b of [
      cfg.DefaultCacheBehavior,
      ...cfg.CacheBehaviors.filter((c) => c.PathPattern?.startsWith('/api')),
    ]) {
      expect(b.FunctionAssociations).toEqual([
        {
          EventType: 'viewer-response',
          FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/ClientCookie/), 'FunctionARN'] },
        },
      ]);
    }
  });

  it('issues a random, secure cookie to a viewer that has none, and leaves one that has it alone', () => {
    const fresh = handler({ request: { cookies: {} }, response: { cookies: {} } });
    expect(fresh.cookies['rempart-session'].value).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.cookies['rempart-session'].attributes).toMatch(/Secure; HttpOnly; SameSite=Lax/);
    const other = handler({ request: { cookies: {} }, response: { cookies: {} } });
    expect(other.cookies['rempart-session'].value).not.toBe(fresh.cookies['rempart-session'].value);
    const known = handler({
      request: { cookies: { 'rempart-session': { value: 'abc' } } },
      response: { cookies: {} },
    });
    expect(known.cookies).toEqual({});
  });

  it('issues no cookie by default', () => {
    template.resourceCountIs('AWS::CloudFront::Function', 0);
  });

  it('rejects a cookie name CloudFront cannot carry', () => {
    expect(() => build({ clientCookie: 'bad cookie;' })).toThrow(
      /clientCookie is "bad cookie;"\. Fix: use 1-64 letters/,
    );
  });
});

/** A stand-in for a waiting-room gate: any viewer-request function with a KeyValueStore. */
function gateFunction(): cloudfront.IFunction {
  const stack = testStack('us-east-1');
  return new cloudfront.Function(stack, 'Gate', {
    code: cloudfront.FunctionCode.fromInline('function handler(event) { return event.request; }'),
    runtime: cloudfront.FunctionRuntime.JS_2_0,
    keyValueStore: new cloudfront.KeyValueStore(stack, 'Store'),
  });
}

describe('ResilientDistribution cache keys', () => {
  const { stack: s } = build({
    routes: [
      {
        pathPattern: '/api/bookings',
        kind: 'write',
        origin: new origins.HttpOrigin('origin.rdv.rempart-demo.fr'),
      },
      {
        pathPattern: '/api/slots/*',
        kind: 'read',
        origin: new origins.HttpOrigin('api-a.example.com'),
        queryParameters: ['date', 'centre'],
      },
      { pathPattern: '/api/*', kind: 'read', origin: new origins.HttpOrigin('api-a.example.com') },
    ],
  });
  const t = Template.fromStack(s);
  const policies = t.findResources('AWS::CloudFront::CachePolicy');
  const cfg = distributionConfig(t);

  it('keys a read route on the parameters it declares only (a whitelist), and the behaviour uses that policy', () => {
    const slots = behavior(cfg, '/api/slots/*');
    const id = (slots.CachePolicyId as { Ref: string }).Ref;
    const config = policies[id].Properties.CachePolicyConfig as CachePolicyConfig;
    expect(config.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig).toEqual({
      QueryStringBehavior: 'whitelist',
      QueryStrings: ['centre', 'date'],
    });
    const key = cacheKeyOf(config);
    // A cache-busting parameter does not reach the key: the origin is not asked again.
    expect(key('/api/slots/c1?date=2027-01-14&r=81736')).toBe(key('/api/slots/c1?r=5&date=2027-01-14'));
    expect(key('/api/slots/c1?date=2027-01-14')).not.toBe(key('/api/slots/c1?date=2027-01-15'));
  });

  it('never forwards every query string on any behaviour', () => {
    for (const p of Object.values(policies)) {
      const qs = (p.Properties.CachePolicyConfig as CachePolicyConfig)
        .ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig;
      expect(['none', 'whitelist']).toContain(qs.QueryStringBehavior);
    }
    const read = behavior(cfg, '/api/*');
    expect(read.CachePolicyId).not.toEqual(behavior(cfg, '/api/slots/*').CachePolicyId);
  });
});

describe('ResilientDistribution viewer-request hook', () => {
  const stack = testStack('us-east-1');
  const gate = new cloudfront.Function(stack, 'Gate', {
    code: cloudfront.FunctionCode.fromInline('function handler(event) { return event.request; }'),
    runtime: cloudfront.FunctionRuntime.JS_2_0,
    keyValueStore: new cloudfront.KeyValueStore(stack, 'Store'),
  });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
    hostedZoneId: 'Z0REMPARTDEMO00000000',
    zoneName: 'rempart-demo.fr',
  });
  const http = (host: string) => new origins.HttpOrigin(host);
  new ResilientDistribution(stack, 'Dist', {
    domainName: 'rdv.rempart-demo.fr',
    hostedZone: zone,
    webAclArn: WEB_ACL,
    clientCookie: 'rempart-session',
    defaultRoute: { kind: 'static', origin: http('site.example.com') },
    routes: [
      { pathPattern: '/api/bookings', kind: 'write', origin: http('origin.rdv.rempart-demo.fr') },
      { pathPattern: '/api/*', kind: 'read', origin: http('api.example.com') },
    ],
    viewerRequest: { function: gate, pathPatterns: ['/api/bookings'], defaultRoute: true },
    retryPage: { origin: http('pages.example.com'), path: '/_rempart/retry.html' },
    accessLogging: { encryptionKey: new kms.Key(stack, 'Key') },
  });
  const cfg = distributionConfig(Template.fromStack(stack));
  const gateArn = { 'Fn::GetAtt': [expect.stringMatching(/^Gate/), 'FunctionARN'] };
  const viewerRequest = (b: {
    FunctionAssociations?: ReadonlyArray<{ EventType: string; FunctionARN: unknown }>;
  }) => (b.FunctionAssociations ?? []).filter((f) => f.EventType === 'viewer-request');

  it('runs the function on the chosen routes and the default route, next to the viewer-response cookie', () => {
    expect(viewerRequest(behavior(cfg, '/api/bookings'))).toEqual([
      { EventType: 'viewer-request', FunctionARN: gateArn },
    ]);
    expect(viewerRequest(cfg.DefaultCacheBehavior)).toEqual([
      { EventType: 'viewer-request', FunctionARN: gateArn },
    ]);
    expect(behavior(cfg, '/api/bookings').FunctionAssociations?.map((f) => f.EventType)).toEqual([
      'viewer-request',
      'viewer-response',
    ]);
  });

  it('leaves the other routes and the retry page alone', () => {
    expect(viewerRequest(behavior(cfg, '/api/*'))).toEqual([]);
    expect(viewerRequest(behavior(cfg, '/_rempart/*'))).toEqual([]);
  });
});
