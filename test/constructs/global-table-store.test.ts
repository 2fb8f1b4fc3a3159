import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  GlobalTableConsistency,
  GlobalTableStore,
  type GlobalTableStoreProps,
} from '../../lib/constructs/global-table-store/global-table-store';
import { testStack } from '../helpers/synth';

const ALIAS = 'alias/rempart/booking-data';

function build(overrides: Partial<GlobalTableStoreProps> = {}) {
  const stack = testStack('eu-west-3');
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const store = new GlobalTableStore(stack, 'Store', {
    tableName: 'rempart-test-booking',
    encryptionKey: key,
    replicaRegions: ['eu-central-1'],
    replicaKeyArns: { 'eu-central-1': GlobalTableStore.keyAliasArn(stack, 'eu-central-1', ALIAS) },
    ...overrides,
  });
  return { stack, store, key };
}

describe('GlobalTableStore defaults', () => {
  const { stack, store } = build();
  const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  store.grantReadWriteData(role);
  const template = Template.fromStack(stack);

  it('is a TableV2 global table with string pk/sk and the given name', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'rempart-test-booking',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });

  it('bills on demand', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { BillingMode: 'PAY_PER_REQUEST' });
  });

  it('has a replica in this Region and in each replica Region, each with PITR (35 days) and deletion protection', () => {
    const replica = (region: string) =>
      Match.objectLike({
        Region: region,
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
      });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: Match.arrayWith([replica('eu-central-1'), replica('eu-west-3')]),
    });
  });

  it('encrypts every replica with a customer-managed key (this Region by key, the other by alias ARN)', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: Match.arrayWith([
        Match.objectLike({
          Region: 'eu-central-1',
          SSESpecification: { KMSMasterKeyId: `arn:aws:kms:eu-central-1:111111111111:${ALIAS}` },
        }),
        Match.objectLike({
          Region: 'eu-west-3',
          SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
        }),
      ]),
    });
  });

  it('is retained when the stack is deleted', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('uses eventual consistency (DynamoDB default), no witness and no warm throughput unless asked', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalTableWitnesses: Match.absent(),
      WarmThroughput: Match.absent(),
    });
    expect(store.consistency).toBe(GlobalTableConsistency.EVENTUAL);
  });

  it('grants data access on the table and its key', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']) }),
          Match.objectLike({ Action: Match.arrayWith(['dynamodb:PutItem', 'dynamodb:UpdateItem']) }),
        ]),
      },
    });
  });
});

describe('GlobalTableStore options', () => {
  it('configures multi-Region strong consistency with a witness', () => {
    const { stack } = build({ consistency: GlobalTableConsistency.STRONG, witnessRegion: 'eu-west-1' });
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      MultiRegionConsistency: 'STRONG',
      GlobalTableWitnesses: [{ Region: 'eu-west-1' }],
    });
  });

  it('pre-warms to the given throughput', () => {
    const { stack } = build({ warmThroughput: { readUnitsPerSecond: 15_000, writeUnitsPerSecond: 16_000 } });
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      WarmThroughput: { ReadUnitsPerSecond: 15_000, WriteUnitsPerSecond: 16_000 },
    });
  });

  it('honours a TTL attribute, a shorter PITR window, no deletion protection and a removal policy', () => {
    const { stack } = build({
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoveryDays: 7,
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: Match.arrayWith([
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
        }),
      ]),
    });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });

  it('imports the local replica in another Region by name, with its key for grants', () => {
    const stack = testStack('eu-central-1');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const table = GlobalTableStore.replicaOf(stack, 'Replica', {
      tableName: 'rempart-test-booking',
      encryptionKey: key,
    });
    expect(stack.resolve(table.tableArn)).toBe(
      'arn:aws:dynamodb:eu-central-1:111111111111:table/rempart-test-booking',
    );
    const role = new iam.Role(stack, 'Worker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    table.grantReadWriteData(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']) })]),
      },
    });
  });
});

describe('GlobalTableStore validation', () => {
  it.each<[string, Partial<GlobalTableStoreProps>, RegExp]>([
    ['a bad table name', { tableName: 'a b' }, /tableName is "a b"\. Fix: use 3 to 255 letters/],
    [
      'its own Region as a replica',
      { replicaRegions: ['eu-west-3', 'eu-central-1'] },
      /replicaRegions contains "eu-west-3", this stack's own Region/,
    ],
    [
      'a duplicated replica Region',
      { replicaRegions: ['eu-central-1', 'eu-central-1'] },
      /replicaRegions lists "eu-central-1" twice/,
    ],
    [
      'a replica Region without key',
      { replicaKeyArns: {} },
      /replicaKeyArns has no key for replica Region "eu-central-1"/,
    ],
    [
      'a key for a non-replica Region',
      {
        replicaKeyArns: {
          'eu-central-1': 'arn:aws:kms:eu-central-1:111111111111:alias/x',
          'eu-west-1': 'arn:aws:kms:eu-west-1:111111111111:alias/x',
        },
      },
      /replicaKeyArns has a key for "eu-west-1", which is not a replica Region/,
    ],
    [
      'STRONG with a witness and two replica Regions',
      {
        consistency: GlobalTableConsistency.STRONG,
        witnessRegion: 'eu-west-1',
        replicaRegions: ['eu-central-1', 'eu-north-1'],
        replicaKeyArns: { 'eu-central-1': 'k', 'eu-north-1': 'k' },
      },
      /needs exactly one replica Region besides this one, received 2/,
    ],
    [
      'STRONG without witness and one replica Region',
      { consistency: GlobalTableConsistency.STRONG },
      /consistency STRONG spans exactly three Regions, received 2/,
    ],
    [
      'a witness that holds a replica',
      { consistency: GlobalTableConsistency.STRONG, witnessRegion: 'eu-central-1' },
      /witnessRegion "eu-central-1" already holds a replica/,
    ],
    [
      'TTL with STRONG',
      { consistency: GlobalTableConsistency.STRONG, witnessRegion: 'eu-west-1', timeToLiveAttribute: 'ttl' },
      /STRONG \(MRSC\) tables do not support TTL/,
    ],
    [
      'a witness with EVENTUAL',
      { witnessRegion: 'eu-west-1' },
      /a witness exists only with STRONG consistency/,
    ],
    [
      'a PITR window above 35 days',
      { pointInTimeRecoveryDays: 40 },
      /pointInTimeRecoveryDays is 40\. Fix: use a whole number from 1 to 35/,
    ],
    [
      'a zero warm throughput',
      { warmThroughput: { writeUnitsPerSecond: 0 } },
      /warmThroughput\.writeUnitsPerSecond is 0/,
    ],
  ])('rejects %s', (_what, overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });
});
