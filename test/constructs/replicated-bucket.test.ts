import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Stack } from 'aws-cdk-lib';
import {
  ReplicatedBucket,
  type ReplicatedBucketProps,
} from '../../lib/constructs/replicated-bucket/replicated-bucket';
import { testStack } from '../helpers/synth';

function base(stack: Stack): ReplicatedBucketProps {
  return {
    encryptionKey: new kms.Key(stack, `Key${stack.node.children.length}`, { enableKeyRotation: true }),
    serverAccessLogsBucket: new s3.Bucket(stack, `Logs${stack.node.children.length}`),
  };
}

describe('ReplicatedBucket replicating to another Region', () => {
  const stack = testStack('eu-west-3');
  const bucket = new ReplicatedBucket(stack, 'Documents', {
    ...base(stack),
    bucketName: 'rempart-docs-eu-west-3',
    replicateTo: {
      bucketName: 'rempart-docs-eu-central-1',
      region: 'eu-central-1',
      keyAlias: 'alias/rempart/ent-data',
    },
    lifecycle: {
      intelligentTieringAfterDays: 30,
      noncurrentVersionExpirationDays: 90,
      abortIncompleteUploadAfterDays: 7,
    },
  });
  const template = Template.fromStack(stack);
  const documents = () =>
    Object.values(
      template.findResources('AWS::S3::Bucket', { Properties: { BucketName: 'rempart-docs-eu-west-3' } }),
    )[0] as {
      Properties: Record<string, unknown>;
      DeletionPolicy: string;
    };

  it('is versioned, KMS-encrypted with the given key, private and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketName: 'rempart-docs-eu-west-3',
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
            }),
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/TestStack/Documents/' }),
      }),
    });
  });

  it('replicates everything, deletions and KMS-encrypted objects included, to the other Region within 15 minutes', () => {
    const replication = documents().Properties.ReplicationConfiguration as {
      Rules: Array<Record<string, unknown>>;
    };
    expect(replication.Rules).toHaveLength(1);
    const rule = replication.Rules[0];
    expect(rule).toMatchObject({
      Status: 'Enabled',
      DeleteMarkerReplication: { Status: 'Enabled' },
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      Destination: {
        ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
        Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
      },
    });
    const destination = JSON.stringify(rule?.Destination);
    expect(destination).toMatch(/arn:.*:s3:::rempart-docs-eu-central-1/);
    expect(destination).toMatch(/arn:aws:kms:eu-central-1:111111111111:alias\/rempart\/ent-data/);
    expect(bucket.replicationRole).toBeDefined();
  });

  it('expires old versions, tiers current ones and cleans abandoned uploads', () => {
    expect(documents().Properties.LifecycleConfiguration).toEqual({
      Rules: [
        expect.objectContaining({
          Status: 'Enabled',
          Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
          NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          ExpiredObjectDeleteMarker: true,
        }),
      ],
    });
  });

  it('refuses plain HTTP and TLS below 1.2', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('lets the replication role use only the destination key named by the alias, through S3', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
            Resource: 'arn:aws:s3:::rempart-docs-eu-central-1/*',
          }),
          Match.objectLike({
            Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
            Resource: 'arn:aws:kms:eu-central-1:111111111111:key/*',
            Condition: {
              StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
              'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/rempart/ent-data' },
            },
          }),
        ]),
      },
    });
  });
});

describe('ReplicatedBucket as a replication destination', () => {
  const stack = testStack('eu-central-1');
  const bucket = new ReplicatedBucket(stack, 'Documents', base(stack));
  const template = Template.fromStack(stack);

  it('has no replication of its own, keeps versioning (S3 requires it on a destination) and applies default lifecycle', () => {
    expect(bucket.replicationRole).toBeUndefined();
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      ReplicationConfiguration: Match.absent(),
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
            Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
          }),
        ],
      },
    });
  });
});

describe('ReplicatedBucket replicating both ways', () => {
  const one = testStack('eu-west-3');
  const oneWay = new ReplicatedBucket(one, 'Documents', {
    ...base(one),
    replicateTo: { bucketName: 'docs-eu-central-1', region: 'eu-central-1', keyAlias: 'alias/docs' },
  });
  const two = testStack('eu-west-3');
  const twoWay = new ReplicatedBucket(two, 'Documents', {
    ...base(two),
    replicateTo: {
      bucketName: 'docs-eu-central-1',
      region: 'eu-central-1',
      keyAlias: 'alias/docs',
      replicateBack: true,
    },
  });
  const t1 = Template.fromStack(one);
  const t2 = Template.fromStack(two);
  const rule = (t: Template) =>
    (
      Object.values(t.findResources('AWS::S3::Bucket')).find(
        (b) => b.Properties?.ReplicationConfiguration,
      ) as {
        Properties: { ReplicationConfiguration: { Rules: Array<Record<string, unknown>> } };
      }
    ).Properties.ReplicationConfiguration.Rules[0];

  it('syncs replica modifications on its own rule only when replicating back', () => {
    expect(rule(t2).SourceSelectionCriteria).toEqual({
      SseKmsEncryptedObjects: { Status: 'Enabled' },
      ReplicaModifications: { Status: 'Enabled' },
    });
    expect(rule(t1).SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });
  });

  it("sets the destination bucket's rule back here, in its Region, and only then", () => {
    t2.resourceCountIs('Custom::S3ReplicateBack', 1);
    t1.resourceCountIs('Custom::S3ReplicateBack', 0);
    expect(oneWay.replicateBackRole).toBeUndefined();
    expect(twoWay.replicateBackRole).toBeTruthy();
    const create = JSON.stringify(
      Object.values(t2.findResources('Custom::S3ReplicateBack'))[0]?.Properties.Create,
    );
    expect(create).toMatch(/\\"action\\":\\"PutBucketReplication\\"/);
    expect(create).toMatch(/\\"region\\":\\"eu-central-1\\"/);
    expect(create).toMatch(/\\"Bucket\\":\\"docs-eu-central-1\\"/);
    expect(create).toMatch(/ReplicaModifications\\":\{\\"Status\\":\\"Enabled/);
  });

  it("keeps the rule-setter's provider out of compliance findings with an encrypted log group of a year", () => {
    t2.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
  });
});

describe('ReplicatedBucket rejects bad props', () => {
  const dest = {
    bucketName: 'rempart-docs-eu-central-1',
    region: 'eu-central-1',
    keyAlias: 'alias/rempart/ent-data',
  };
  const cases: Array<[string, Partial<ReplicatedBucketProps>, RegExp]> = [
    [
      'same Region',
      { replicateTo: { ...dest, region: 'eu-west-3' } },
      /replicateTo\.region is eu-west-3, this bucket's own Region/,
    ],
    [
      'key id instead of alias',
      { replicateTo: { ...dest, keyAlias: '1234abcd' } },
      /replicateTo\.keyAlias is "1234abcd".*Fix: give a KMS alias name/,
    ],
    [
      'bad bucket name',
      { replicateTo: { ...dest, bucketName: 'Docs_Bucket' } },
      /replicateTo\.bucketName is "Docs_Bucket"/,
    ],
    [
      'negative tiering',
      { lifecycle: { intelligentTieringAfterDays: -1 } },
      /lifecycle\.intelligentTieringAfterDays is -1/,
    ],
    [
      'zero noncurrent days',
      { lifecycle: { noncurrentVersionExpirationDays: 0 } },
      /lifecycle\.noncurrentVersionExpirationDays is 0.*at least 1/,
    ],
    [
      'fractional upload days',
      { lifecycle: { abortIncompleteUploadAfterDays: 1.5 } },
      /lifecycle\.abortIncompleteUploadAfterDays is 1\.5/,
    ],
  ];
  it.each(cases)('%s', (_name, bad, expected) => {
    const stack = testStack('eu-west-3');
    expect(() => new ReplicatedBucket(stack, 'Documents', { ...base(stack), ...bad })).toThrow(expected);
  });
});
