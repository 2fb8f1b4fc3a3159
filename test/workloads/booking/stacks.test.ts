import { Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MRSC_ALLOWED_COMMANDS } from '../../../lambda/booking/adapters/dynamodb';
import { bookingSettings } from '../../../lib/workloads/booking/capacity';
import type { RempartFunction } from '../../../lib/constructs/rempart-function/rempart-function';
import { BookingApiStack } from '../../../lib/workloads/booking/api-stack';
import { BookingDataStack } from '../../../lib/workloads/booking/data-stack';
import { composeTestApp, testApp, testConfig, regionsOf } from '../../helpers/synth';

// The booking stacks on their own (default configuration), synthesized once; the compliance packs
// are checked on the whole app in test/app. The composition is checked for its deploy order only.
const config = testConfig();
const app = testApp();
const env = (region: string) => ({ account: '111111111111', region });
const build = (region: string, isPrimary: boolean, stackConfig = config, inApp = app) => {
  const bookingData = new BookingDataStack(inApp, `Data-${region}`, {
    config: stackConfig,
    isPrimary,
    env: env(region),
  });
  const bookingApi = new BookingApiStack(inApp, `Api-${region}`, {
    config: stackConfig,
    data: bookingData,
    env: env(region),
  });
  return { bookingData, bookingApi };
};
const primary = build('eu-west-3', true);
const secondary = build('eu-central-1', false);
const composed = regionsOf(composeTestApp(config).stacks);
const primaryData = Template.fromStack(primary.bookingData);
const secondaryData = Template.fromStack(secondary.bookingData);
const primaryApi = Template.fromStack(primary.bookingApi);
const settings = bookingSettings(config.booking);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
/** Every statement of the identity policies attached to a function's own role. */
const roleStatements = (fn: RempartFunction): Statement[] => {
  const stack = Stack.of(fn);
  const roleRef = { Ref: stack.getLogicalId(fn.role.node.defaultChild as CfnResource) };
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(roleRef)),
  );
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
};
const actionsOf = (fn: RempartFunction, service: string) =>
  roleStatements(fn)
    .flatMap((st) => [st.Action].flat())
    .filter((a) => a.startsWith(`${service}:`))
    .sort();

describe('BookingDataStack', () => {
  it('declares the table once, in the primary, as an MRSC global table with a witness in the third Region', () => {
    primaryData.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    secondaryData.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    primaryData.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'Rempart-dev-booking',
      MultiRegionConsistency: 'STRONG',
      GlobalTableWitnesses: [{ Region: 'eu-west-1' }],
      Replicas: Match.arrayWith([
        Match.objectLike({ Region: 'eu-central-1', DeletionProtectionEnabled: true }),
        Match.objectLike({ Region: 'eu-west-3', DeletionProtectionEnabled: true }),
      ]),
      TimeToLiveSpecification: Match.absent(),
      LocalSecondaryIndexes: Match.absent(),
    });
  });

  it('pre-warms the table to the throughput derived from the surge profile', () => {
    expect(settings.warmThroughput).toEqual({ readUnitsPerSecond: 15_112, writeUnitsPerSecond: 16_000 });
    primaryData.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      WarmThroughput: { ReadUnitsPerSecond: 15_112, WriteUnitsPerSecond: 16_000 },
    });
  });

  it('encrypts the secondary replica with the secondary data key, named by its alias', () => {
    primaryData.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: Match.arrayWith([
        Match.objectLike({
          Region: 'eu-central-1',
          SSESpecification: {
            KMSMasterKeyId: 'arn:aws:kms:eu-central-1:111111111111:alias/rempart-dev/booking-data',
          },
        }),
      ]),
    });
    secondaryData.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/rempart-dev/booking-data' });
  });

  it('lets only CloudFront distributions of this account read the site bucket, and decrypt with its key', () => {
    const conditions = {
      StringEquals: { 'AWS:SourceAccount': '111111111111' },
      ArnLike: { 'AWS:SourceArn': 'arn:aws:cloudfront::111111111111:distribution/*' },
    };
    for (const t of [primaryData, secondaryData]) {
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'CloudFrontOacRead',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Action: 's3:GetObject',
              Condition: conditions,
            }),
          ]),
        },
      });
      t.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Sid: 'CloudFrontOacDecrypt', Action: 'kms:Decrypt', Condition: conditions }),
          ]),
        },
      });
    }
  });

  it('keeps the site bucket versioned, TLS-only and logged; the primary replicates it to the secondary', () => {
    primaryData.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/booking-site/' }),
      ReplicationConfiguration: Match.objectLike({
        Rules: [Match.objectLike({ Destination: Match.objectLike({ Bucket: Match.anyValue() }) })],
      }),
    });
    secondaryData.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      ReplicationConfiguration: Match.absent(),
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/booking-site/' }),
    });
    expect(primary.bookingData.siteBucket.bucketName).toBeDefined();
  });

  it('is termination protected and deploys the secondary first (its key alias and bucket are named by the primary)', () => {
    expect(primary.bookingData.terminationProtection).toBe(true);
    expect(composed[0].bookingData.dependencies).toContain(composed[1].bookingData);
    expect(composed[1].bookingApi.dependencies).toContain(composed[0].bookingData);
  });
});

describe('BookingApiStack', () => {
  it('derives stage and write throttling from the surge profile', () => {
    primaryApi.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ResourcePath: '/*', ThrottlingRateLimit: 6945, ThrottlingBurstLimit: 5000 }),
        Match.objectLike({
          ResourcePath: '/~1api~1bookings',
          ThrottlingRateLimit: 4167,
          ThrottlingBurstLimit: 4167,
        }),
      ]),
    });
  });

  it('sizes the worker from the surge profile: max concurrency, reserved concurrency, batch, visibility timeout', () => {
    primaryApi.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: settings.workerMaxConcurrency },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    primaryApi.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: settings.workerReservedConcurrency,
      Timeout: 30,
      Environment: { Variables: Match.objectLike({ TABLE_NAME: 'Rempart-dev-booking' }) },
    });
    primaryApi.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 180 });
  });

  it('serves every route under /api', () => {
    const paths = Object.values(primaryApi.findResources('AWS::ApiGateway::Resource')).map((r) =>
      String(r.Properties.PathPart),
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        'api',
        'bookings',
        '{requestId}',
        'centres',
        '{centreId}',
        'slots',
        'progress',
        'health',
      ]),
    );
    expect(primary.bookingApi.restApi).toBe(primary.bookingApi.writeApi.api);
  });

  it('gives each function exactly the DynamoDB actions its adapters issue, all allowed on an MRSC table', () => {
    for (const { bookingApi } of [primary, secondary]) {
      expect(actionsOf(bookingApi.worker, 'dynamodb')).toEqual([
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
      expect(actionsOf(bookingApi.catalogueFunction, 'dynamodb')).toEqual(['dynamodb:Query']);
      expect(actionsOf(bookingApi.statusFunction, 'dynamodb')).toEqual([
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
      expect(actionsOf(bookingApi.healthFunction, 'dynamodb')).toEqual([]);
    }
    const allowed = MRSC_ALLOWED_COMMANDS.map((c) => `dynamodb:${c.replace(/Command$/, '')}`);
    for (const fn of [
      primary.bookingApi.worker,
      primary.bookingApi.catalogueFunction,
      primary.bookingApi.statusFunction,
    ]) {
      for (const action of actionsOf(fn, 'dynamodb')) expect(allowed).toContain(action);
    }
  });

  it('keeps the table key grants DynamoDB needs with a customer-managed key: read for readers, read and write for the worker', () => {
    const { worker, catalogueFunction, statusFunction } = primary.bookingApi;
    expect(actionsOf(worker, 'kms')).toEqual([
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
    ]);
    for (const fn of [catalogueFunction, statusFunction]) {
      expect(actionsOf(fn, 'kms')).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    }
  });

  it('gives the read functions read-only access to the local replica; the secondary imports it by name', () => {
    const writes = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ];
    for (const { bookingApi } of [primary, secondary]) {
      for (const fn of [bookingApi.catalogueFunction, bookingApi.statusFunction]) {
        const actions = actionsOf(fn, 'dynamodb');
        expect(actions).toContain('dynamodb:Query');
        for (const w of writes) expect(actions).not.toContain(w);
      }
    }
    primaryApi.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ READ_CACHE_SECONDS: '5', TABLE_NAME: 'Rempart-dev-booking' }),
      },
      ReservedConcurrentExecutions: settings.catalogueReservedConcurrency,
    });
    const secondaryApi = Template.fromStack(secondary.bookingApi);
    secondaryApi.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:Query'],
            Resource: 'arn:aws:dynamodb:eu-central-1:111111111111:table/Rempart-dev-booking',
          }),
        ]),
      },
    });
  });

  it('passes the configured API Gateway burst quota to the API, so a raised quota above 5,000 synthesizes', () => {
    const raised = testConfig({ booking: { quotas: { apiGatewayBurst: 8_000 } } });
    const raisedSettings = bookingSettings(raised.booking);
    expect(raisedSettings.apiBurstLimit).toBeGreaterThan(5_000);
    const { bookingApi } = build('eu-west-3', true, raised, testApp());
    Template.fromStack(bookingApi).hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ResourcePath: '/*', ThrottlingBurstLimit: raisedSettings.apiBurstLimit }),
      ]),
    });
  });

  it('guards the stage with a REGIONAL web ACL (CloudFront origin verification)', () => {
    primaryApi.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
    primaryApi.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
  it('has a fault configuration bucket named from the configuration, and no FIS extension on the worker by default', () => {
    primaryApi.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ BucketName: 'rempart-dev-fis-111111111111-eu-west-3' }),
      DeletionPolicy: 'Delete',
    });
    expect(primary.bookingApi.faultConfigLocationArn).toBeUndefined();
    expect(primary.bookingApi.worker.faultConfigLocationArn).toBeUndefined();
    primaryApi.resourcePropertiesCountIs('AWS::Lambda::Function', { Layers: Match.anyValue() }, 0);
  });
});
