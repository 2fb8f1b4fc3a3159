// One Region's write path. QueueBackedWriteApi: POST bodies validated by API Gateway and queued in
// SQS with no function in the hot path; a worker drains the queue at the pace the database can
// take. RegionalApiOrigin: the API answers only CloudFront (secret header checked by a regional web
// ACL) behind a write record shared by every Region, because CloudFront origin groups fail over
// only GET, HEAD and OPTIONS. RegionalObservability: the alarms that take the Region out of it.
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  DataKey,
  LogEncryptionKey,
  OidcAuthorizer,
  OidcAuthorizerKind,
  QueueBackedWriteApi,
  RegionalApiOrigin,
  RegionalObservability,
  acknowledge,
} from '../lib'; // in your app: from 'rempart'
import { ALARM_THRESHOLDS } from './alarm-thresholds';

export function queueBackedWriteApiExample(app: App): Stack {
  const stack = new Stack(app, 'QueueBackedWriteApiExample', { env: { region: 'eu-west-3' } });
  // OidcAuthorizer: writes only from a person an OpenID Connect provider (FranceConnect, an agent
  // directory) vouches for; the person is an HMAC of issuer and subject under a secret pepper.
  const pepper = new secretsmanager.Secret(stack, 'Pepper', {
    encryptionKey: new DataKey(stack, 'PepperKey', {
      description: 'Person-key pepper',
      services: ['secretsmanager'],
    }).key,
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
  });
  acknowledge(pepper, {
    id: 'secret-rotated-by-procedure',
    reason:
      'The pepper keys every person; rotating it would re-key them all, so it is generated once and never rotated.',
  });
  const citizens = new OidcAuthorizer(stack, 'Citizens', {
    issuer: 'https://auth.example.fr/realms/citoyens',
    audience: 'my-service',
    jwksUrl: 'https://auth.example.fr/realms/citoyens/protocol/openid-connect/certs',
    // Asymmetric only: "none" and HS* are refused whatever the token says.
    algorithms: ['ES256', 'RS256'],
    pepperSecret: pepper,
    // Uncached: every write is checked before it is queued.
    kind: OidcAuthorizerKind.REQUEST,
    reservedConcurrentExecutions: 20,
  });
  const writes = new QueueBackedWriteApi(stack, 'Registrations', {
    writePath: 'api/registrations',
    // The person travels from the authorizer into the message, never from the body.
    writeAuthorization: { authorizer: citizens.authorizer, contextAttributes: ['personKey'] },
    // Anything else is answered 400 with the reason, and nothing is queued.
    requestSchema: {
      type: apigateway.JsonSchemaType.OBJECT,
      additionalProperties: false,
      required: ['email'],
      properties: { email: { type: apigateway.JsonSchemaType.STRING, maxLength: 254 } },
    },
    // The crowd's pace at the stage, and the share of it that may write.
    stageThrottle: { rateLimit: 2_000, burstLimit: 1_000 },
    writeThrottle: { rateLimit: 500, burstLimit: 500 },
    worker: {
      entry: path.join(__dirname, 'handlers/queue-worker.ts'),
      description: 'Stores registrations at the pace the database can take',
      // The database's pace, not the crowd's: at most 10 concurrent batches.
      maxConcurrency: 10,
    },
  });
  const observability = new RegionalObservability(stack, 'Observability', {
    namePrefix: 'MyService-eu-west-3',
    thresholds: ALARM_THRESHOLDS,
    alertEmail: 'oncall@example.fr',
    apis: [
      { workload: 'Registrations', restApi: writes.api, stageName: writes.api.deploymentStage.stageName },
    ],
    queues: [
      {
        workload: 'Registrations',
        label: 'Requests',
        queue: writes.queue,
        deadLetterQueue: writes.deadLetterQueue,
      },
    ],
  });
  new RegionalApiOrigin(stack, 'Origin', {
    restApi: writes.api,
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      zoneName: 'example.fr',
    }),
    // The same name in every Region: the record answers with the nearest healthy one.
    writeDomainName: 'writes.rdv.example.fr',
    // A backlog or failing worker takes the Region out of the write record, not only a 5xx rate.
    healthAlarms: observability.criticalAlarms.Registrations,
    // Header x-origin-verify-eu-west-3; its value is generated and rotated in the secret
    // my-service/origin-verify/eu-west-3, replicated to us-east-1 for the distribution under a
    // customer-managed key there (create it first, e.g. a DataKey with this alias in us-east-1).
    originVerify: {
      headerName: 'x-origin-verify',
      secretName: 'my-service/origin-verify',
      replicaKeyAlias: 'alias/my-service/origin-secret-replicas',
    },
    logEncryptionKey: new LogEncryptionKey(stack, 'LogKey').key,
  });
  return stack;
}
