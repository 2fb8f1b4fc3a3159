// EdgeFirewall: a WAF web ACL with per-client limits that hold without cookies, rate rules as
// data, a body size limit, AWS managed rule groups, a 429 with Retry-After, and logs with personal
// data redacted.
import { App, Stack } from 'aws-cdk-lib';
import { EdgeFirewall, LogEncryptionKey } from '../lib'; // in your app: from 'rempart'

export function edgeFirewallExample(app: App): Stack {
  // CLOUDFRONT-scope web ACLs exist only in us-east-1.
  const stack = new Stack(app, 'EdgeFirewallExample', { env: { region: 'us-east-1' } });
  new EdgeFirewall(stack, 'Firewall', {
    scope: 'CLOUDFRONT',
    clientLimits: {
      // Issued to every viewer by ResilientDistribution (clientCookie): people behind one school or
      // care-home address are counted one by one...
      sessionCookie: 'my-session',
      // ...and a client without the cookie is held by a per-address limit sized for this many people.
      peoplePerSharedAddress: 40,
      // Declared NAT ranges (town halls, schools) keep per-person limits only.
      sharedAddresses: { ipv4: ['192.0.2.0/24'] },
      limits: [
        {
          name: 'Writes',
          limit: 100,
          windowSeconds: 300,
          scope: { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], pathPrefixes: ['/api/'] },
          // Scripts that drop or rotate cookies share a TLS fingerprint and an address.
          clientsPerFingerprint: 1,
        },
        { name: 'AllRequests', limit: 500, windowSeconds: 300 },
      ],
    },
    // A write padded to fill the queues is a client mistake: 413 at the edge.
    bodySizeLimit: { maxBytes: 8_192, scope: { methods: ['POST', 'PUT', 'PATCH'], pathPrefixes: ['/api/'] } },
    // Unlisted groups keep their documented default (e.g. Bot Control off: it bills per request).
    managedGroups: { common: { enabled: true, countOnly: true } },
    retryAfterSeconds: 30,
    logging: { encryptionKey: new LogEncryptionKey(stack, 'LogKey').key },
  });
  return stack;
}
