import { Match, Template } from 'aws-cdk-lib/assertions';
import { bookingSettings } from '../../lib/config/capacity';
import { BookingApiStack } from '../../lib/stacks/booking-api-stack';
import { BookingDataStack } from '../../lib/stacks/booking-data-stack';
import { composeTestApp, testApp, testConfig } from '../helpers/synth';

// The booking stacks on their own (default configuration), synthesized once; the compliance packs
// are checked on the whole app in test/app. The composition is checked for its deploy order only.
const config = testConfig();
const app = testApp();
const env = (region: string) => ({ account: '111111111111', region });
const build = (region: string, isPrimary: boolean) => {
  const bookingData = new BookingDataStack(app, `Data-${region}`, { config, isPrimary, env: env(region) });
  const bookingApi = new BookingApiStack(app, `Api-${region}`, {
    config,
    data: bookingData,
    env: env(region),
  });
  return { bookingData, bookingApi };
};
const primary = build('eu-west-3', true);
const secondary = build('eu-central-1', false);
const composed = composeTestApp(config).stacks.regions;
const primaryData = Template.fromStack(primary.bookingData);
const secondaryData = Template.fromStack(secondary.bookingData);
const primaryApi = Template.fromStack(primary.bookingApi);
const settings = bookingSettings(config.booking);

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
      StringEquals: { 'AWS:SourceAccount': Match.anyValue() },
      ArnLike: { 'AWS:SourceArn': Match.anyValue() },
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

  it('gives the read functions read-only access to the local replica; the secondary imports it by name', () => {
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
            Action: Match.arrayWith(['dynamodb:GetItem', 'dynamodb:Query']),
            Resource: 'arn:aws:dynamodb:eu-central-1:111111111111:table/Rempart-dev-booking',
          }),
        ]),
      },
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
