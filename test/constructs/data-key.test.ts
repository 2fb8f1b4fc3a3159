import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { keyPolicyProblems, reservesDestructionTo } from '../../lib/compliance/key-policy-check';
import { DataKey } from '../../lib/constructs/data-key/data-key';
import { KEY_ADMIN_ACTIONS } from '../../lib/constructs/private/key-policy';
import { testStack } from '../helpers/synth';

type Statement = {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Condition?: unknown;
};
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const ROOT = { AWS: 'arn:aws:iam::111111111111:root' };

function build(props: Partial<ConstructorParameters<typeof DataKey>[2]> = {}) {
  const stack = testStack('eu-west-3');
  const key = new DataKey(stack, 'Key', { description: 'test data', ...props });
  const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  return { stack, key, resource, policy: resource.Properties.KeyPolicy as { Statement: Statement[] } };
}

describe('DataKey', () => {
  const { resource, policy } = build({ services: ['dynamodb', 'sqs'] });
  const bySid = (sid: string) => policy.Statement.find((s) => s.Sid === sid);

  it('rotates and is retained with its stack', () => {
    expect(resource.Properties.EnableKeyRotation).toBe(true);
    expect(resource.DeletionPolicy).toBe('Retain');
  });

  it('gives the account the administrative actions only: no kms:*, no use, no grant', () => {
    const admin = bySid('KeyAdministration');
    expect(admin?.Principal).toEqual(ROOT);
    expect(list(admin?.Action ?? [])).toEqual([...KEY_ADMIN_ACTIONS].sort());
    expect(
      list(admin?.Action ?? []).filter((a) => /\*|Encrypt|Decrypt|GenerateDataKey|CreateGrant/.test(a)),
    ).toEqual([]);
    expect(JSON.stringify(policy)).not.toContain('"kms:*"');
  });

  it('lets principals of the account use it only through the listed services of its Region', () => {
    expect(bySid('KeyUseThroughServices')?.Condition).toEqual({
      StringEquals: {
        'kms:CallerAccount': '111111111111',
        'kms:ViaService': ['dynamodb.eu-west-3.amazonaws.com', 'sqs.eu-west-3.amazonaws.com'],
      },
    });
    expect(bySid('GrantsForAwsResourcesThroughServices')?.Condition).toEqual({
      StringEquals: {
        'kms:CallerAccount': '111111111111',
        'kms:ViaService': ['dynamodb.eu-west-3.amazonaws.com', 'sqs.eu-west-3.amazonaws.com'],
      },
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
    });
  });

  it('lets DynamoDB read the key metadata only (no use), when DynamoDB is one of the services', () => {
    expect(bySid('DynamoDBReadsKeyMetadata')).toEqual({
      Sid: 'DynamoDBReadsKeyMetadata',
      Effect: 'Allow',
      Principal: { Service: 'dynamodb.amazonaws.com' },
      Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListGrants'],
      Resource: '*',
    });
    expect(build({ services: ['s3'] }).policy.Statement.map((s) => s.Sid)).not.toContain(
      'DynamoDBReadsKeyMetadata',
    );
  });

  it('denies every grant that is not for an AWS resource (Control Tower CT.KMS.PR.3)', () => {
    expect(bySid('DenyGrantsExceptForAwsResources')).toEqual({
      Sid: 'DenyGrantsExceptForAwsResources',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    });
    expect(keyPolicyProblems(policy)).toEqual([]);
  });

  it('has no deletion guard unless asked, and reserves deletion to the break-glass role when asked', () => {
    expect(bySid('DenyKeyDestructionExceptBreakGlass')).toBeUndefined();
    const guarded = build({ breakGlassRoleName: 'BreakGlass' }).policy;
    expect(reservesDestructionTo(guarded, 'arn:aws:iam::111111111111:role/BreakGlass')).toBe(true);
    expect(reservesDestructionTo(guarded, 'arn:aws:iam::111111111111:role/Other')).toBe(false);
  });

  it('keeps grants on IAM principals (the key policy enables IAM for use through services)', () => {
    const stack = testStack('eu-west-3');
    const key = new DataKey(stack, 'Key', { description: 'table', services: ['dynamodb'] });
    const role = new iam.Role(stack, 'Reader', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const table = new dynamodb.TableV2(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(key.key),
    });
    table.grantReadData(role);
    const t = Template.fromStack(stack);
    const [keyPolicy] = Object.values(t.findResources('AWS::KMS::Key')).map((k) =>
      JSON.stringify(k.Properties.KeyPolicy),
    );
    expect(keyPolicy).not.toContain('Reader');
    const rolePolicy = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(rolePolicy).toContain('kms:Decrypt');
  });

  it('defaults to every storage service and rejects unknown or repeated services and bad role names', () => {
    const { key } = build();
    expect(key.services).toEqual(['dynamodb', 's3', 'sqs', 'sns', 'secretsmanager', 'backup']);
    expect(() => build({ services: ['dynamodb.eu-west-3' as never] })).toThrow(
      /services contains "dynamodb.eu-west-3". Fix: use some of dynamodb, s3/,
    );
    expect(() => build({ services: ['s3', 's3'] })).toThrow(/services lists "s3" twice/);
    expect(() => build({ breakGlassRoleName: 'arn:aws:iam::1:role/x' })).toThrow(
      /breakGlassRoleName is "arn:aws:iam::1:role\/x". Fix: give an IAM role name/,
    );
  });
});
