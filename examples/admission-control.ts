// AdmissionControl: a virtual waiting room in front of a queue-backed write API, on its own. The
// edge half (AdmissionEdgeGate, us-east-1) checks the signed admission cookie at CloudFront; this
// half, in the application Region, takes joins straight from API Gateway into SQS, places people in
// one fair line (a published draw for those who came before the opening, then first come first
// served), moves a public "now serving" cursor at the pace the service absorbs, and exchanges a
// served ticket's secret for the cookie. See docs/waiting-room.md.
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  AdmissionControl,
  AdmissionEdgeGate,
  DataKey,
  GlobalTableConsistency,
  QueueBackedWriteApi,
} from '../lib'; // in your app: from 'rempart'

const REGION = 'eu-west-3';
const SIGNING_KEY_ALIAS = 'alias/my-service/admission-keys';
const EVENT_ID = 'registrations-2027';

export function admissionControlExample(app: App): { edge: Stack; service: Stack } {
  // The service Region holds the key of its replica of the signing keys; the edge stack names it by alias.
  const service = new Stack(app, 'AdmissionControlExample-eu-west-3', { env: { region: REGION } });
  const replicaKey = new DataKey(service, 'SigningKeysKey', {
    description: 'Replica of the admission signing keys',
    alias: SIGNING_KEY_ALIAS,
  }).key;

  const edge = new Stack(app, 'AdmissionControlExample-us-east-1', { env: { region: 'us-east-1' } });
  const gate = new AdmissionEdgeGate(edge, 'Gate', {
    eventId: EVENT_ID,
    protectedPaths: [{ pathPattern: '/api/registrations*', pathClass: 'registrations', onFailure: 'open' }],
    secretNamePrefix: 'my-service/admission',
    signingKeyReplicas: [
      {
        region: REGION,
        encryptionKey: kms.Key.fromKeyArn(
          edge,
          'ReplicaKey',
          `arn:aws:kms:${REGION}:111122223333:${SIGNING_KEY_ALIAS}`,
        ),
      },
    ],
  });
  service.addStackDependency(edge);

  // The protected service: registrations queued and drained at 200 per second.
  const writes = new QueueBackedWriteApi(service, 'Registrations', {
    writePath: 'api/registrations',
    requestSchema: {
      type: apigateway.JsonSchemaType.OBJECT,
      additionalProperties: false,
      required: ['email'],
      properties: { email: { type: apigateway.JsonSchemaType.STRING, maxLength: 254 } },
    },
    stageThrottle: { rateLimit: 2_000, burstLimit: 1_000 },
    worker: {
      entry: path.join(__dirname, 'handlers/queue-worker.ts'),
      description: 'Stores registrations at the pace the database can take',
      maxConcurrency: 20,
    },
  });

  // Its dashboardWidgets go on your dashboard; its stuckCursorAlarm pages someone.
  new AdmissionControl(service, 'WaitingRoom', {
    eventId: EVENT_ID,
    openingAt: '2027-03-01T09:00:00+01:00',
    // The service's pace, not the crowd's: what its worker drains per second.
    admitPerSecond: 200,
    peakJoinsPerSecond: 800,
    // Its routes join the API that CloudFront already forwards to (under /admission/).
    restApi: writes.api,
    // A table of its own here; in Rempart it shares the booking table under ADM#<eventId>.
    tableStore: {
      tableName: 'my-service-admission',
      encryptionKey: new DataKey(service, 'TableKey', { description: 'Waiting room items' }).key,
      consistency: GlobalTableConsistency.EVENTUAL,
    },
    signingKey: AdmissionControl.signingKeyReplica(service, 'SigningKey', {
      secretName: gate.signingKeySecretNames[gate.currentKid],
      kid: gate.currentKid,
      encryptionKey: replicaKey,
    }),
    // Over-75s first: everyone else queues as if they had arrived an hour later.
    cohorts: [{ id: 'over-75' }, { id: 'general', delay: Duration.hours(1) }],
  });
  return { edge, service };
}
