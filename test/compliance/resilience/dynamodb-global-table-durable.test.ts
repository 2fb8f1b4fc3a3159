import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { NagRuleCompliance } from 'cdk-nag';
import { DynamoDBGlobalTableDurable } from '../../../lib/compliance/resilience/rules';
import { testStack } from '../../helpers/synth';

function table(options: { replicas: boolean; pitr: boolean; cmk: boolean }) {
  const stack = testStack('eu-west-3');
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const t = new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: options.pitr },
    encryption: options.cmk
      ? dynamodb.TableEncryptionV2.customerManagedKey(key, {
          'eu-central-1': 'arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-0000-0000-000000000000',
        })
      : dynamodb.TableEncryptionV2.awsManagedKey(),
    replicas: options.replicas ? [{ region: 'eu-central-1' }] : [],
  });
  return t.node.defaultChild as dynamodb.CfnGlobalTable;
}

describe('RempartResilience-DynamoDBGlobalTableDurable', () => {
  it('passes two replicas with PITR and a customer-managed key', () => {
    expect(DynamoDBGlobalTableDurable(table({ replicas: true, pitr: true, cmk: true }))).toBe(
      NagRuleCompliance.COMPLIANT,
    );
  });

  it('fires [Replicas] on a single-Region global table', () => {
    expect(DynamoDBGlobalTableDurable(table({ replicas: false, pitr: true, cmk: true }))).toEqual([
      'Replicas',
    ]);
  });

  it('fires [PointInTimeRecovery] when PITR is off', () => {
    expect(DynamoDBGlobalTableDurable(table({ replicas: true, pitr: false, cmk: true }))).toEqual([
      'PointInTimeRecovery',
    ]);
  });

  it('fires [CustomerManagedKey] with an AWS-managed key', () => {
    expect(DynamoDBGlobalTableDurable(table({ replicas: true, pitr: true, cmk: false }))).toEqual([
      'CustomerManagedKey',
    ]);
  });

  it('does not apply to a single-Region AWS::DynamoDB::Table', () => {
    const stack = testStack();
    const t = new dynamodb.Table(stack, 'Classic', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    expect(DynamoDBGlobalTableDurable(t.node.defaultChild as dynamodb.CfnTable)).toBe(
      NagRuleCompliance.NOT_APPLICABLE,
    );
  });
});
