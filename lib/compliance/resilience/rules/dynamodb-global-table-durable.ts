import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { asArray, cfnOf, field, flatten } from '../private/cfn';

/**
 * Every `AWS::DynamoDB::GlobalTable` (which no cdk-nag pack inspects) survives a Region and a bad
 * write: at least two replicas, point-in-time recovery on every replica, and encryption with a
 * customer-managed KMS key on every replica. Decided on the synthesized type and properties, so a
 * raw `CfnResource` or a property override is judged like the L2 table. Granular findings:
 * `[Replicas]`, `[PointInTimeRecovery]`, `[CustomerManagedKey]`.
 */
export function DynamoDBGlobalTableDurable(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::DynamoDB::GlobalTable') return NagRuleCompliance.NOT_APPLICABLE;
  const { properties } = cfnOf(node);
  const replicas = asArray(field(properties, 'Replicas'));
  const findings: string[] = [];
  if (replicas.length < 2) findings.push('Replicas');

  const pitrOn = (replica: unknown) =>
    field(field(replica, 'PointInTimeRecoverySpecification'), 'PointInTimeRecoveryEnabled') === true;
  if (replicas.length === 0 || !replicas.every(pitrOn)) findings.push('PointInTimeRecovery');

  const sse = field(properties, 'SSESpecification');
  const kmsTable = field(sse, 'SSEEnabled') === true && field(sse, 'SSEType') === 'KMS';
  const replicaKey = (replica: unknown) => {
    const key = field(field(replica, 'SSESpecification'), 'KMSMasterKeyId');
    return key !== undefined && key !== null && key !== '' && !/alias\/aws\/dynamodb$/.test(flatten(key));
  };
  if (!kmsTable || replicas.length === 0 || !replicas.every(replicaKey)) findings.push('CustomerManagedKey');

  return findings.length ? findings : NagRuleCompliance.COMPLIANT;
}
