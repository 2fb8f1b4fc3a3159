// ResilientDistribution: CloudFront in front of two Regions, with origin failover for reads, a
// micro-cache, security headers, TLS 1.2+, the web ACL, and a "retry in a moment" page instead of
// a raw 5xx. RetryPageBucket holds that page.
import { App, Stack } from 'aws-cdk-lib';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { EdgeFirewall, LogEncryptionKey, ResilientDistribution, RetryPageBucket } from '../lib'; // in your app: from 'rempart'

export function resilientDistributionExample(app: App): Stack {
  // CloudFront certificates, web ACLs and access-log delivery live in us-east-1.
  const stack = new Stack(app, 'ResilientDistributionExample', { env: { region: 'us-east-1' } });
  const logKey = new LogEncryptionKey(stack, 'LogKey').key;
  const firewall = new EdgeFirewall(stack, 'Firewall', {
    scope: 'CLOUDFRONT',
    rateRules: [
      { name: 'PerAddress', limit: 20_000, windowSeconds: 300, keys: [{ type: 'ip' }], action: 'block' },
    ],
    logging: { encryptionKey: logKey },
  });
  const retryPage = new RetryPageBucket(stack, 'RetryPage', {
    pagePath: '/_errors/retry.html',
    serviceName: 'Prise de rendez-vous',
    retryAfterSeconds: 30,
    logEncryptionKey: logKey,
  });
  // Each Region's API; reads fail over from Paris to Frankfurt on a 5xx or a timeout.
  const api = (region: string) => new origins.HttpOrigin(`api.${region}.rdv.example.fr`);
  new ResilientDistribution(stack, 'Site', {
    domainName: 'rdv.example.fr',
    // Certificate created and DNS-validated in this zone, and alias records written there.
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      zoneName: 'example.fr',
    }),
    webAclArn: firewall.webAclArn,
    defaultRoute: {
      kind: 'static',
      origin: new origins.HttpOrigin('static.eu-west-3.rdv.example.fr'),
      fallbackOrigin: new origins.HttpOrigin('static.eu-central-1.rdv.example.fr'),
    },
    routes: [
      { pathPattern: '/api/*', kind: 'read', origin: api('eu-west-3'), fallbackOrigin: api('eu-central-1') },
    ],
    retryPage: { origin: retryPage.origin, path: retryPage.pagePath },
    accessLogging: { encryptionKey: logKey },
  });
  return stack;
}
