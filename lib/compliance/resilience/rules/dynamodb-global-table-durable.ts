import type { CfnResource } from 'aws-cdk-lib';
import { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { asArray, field, flatten, resolveIn } from '../private/cfn';

/**
 * Every `AWS::DynamoDB::GlobalTable` (which no cdk-nag pack inspects) survives a Region and a bad
 * write: at least two replicas, point-in-time recovery on every replica, and encryption with a
 * customer-managed KMS key on every replica. Granular findings:
 * `[Replicas]`, `[PointInTimeRecovery]`, `[CustomerManagedKey]`.
 */
export function DynamoDBGlobalTableDurable(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnGlobalTable)) return NagRuleCompliance.NOT_APPLICABLE;
  const replicas = asArray(resolveIn(node, node.replicas));
  const findings: string[] = [];
  if (replicas.length < 2) findings.push('Replicas');

  const pitrOn = (replica: unknown) =>
    field(field(replica, 'pointInTimeRecoverySpecification'), 'pointInTimeRecoveryEnabled') === true;
  if (replicas.length === 0 || !replicas.every(pitrOn)) findings.push('PointInTimeRecovery');

  const sse = resolveIn(node, node.sseSpecification);
  const kmsTable = field(sse, 'sseEnabled') === true && field(sse, 'sseType') === 'KMS';
  const replicaKey = (replica: unknown) => {
    const key = field(field(replica, 'sseSpecification'), 'kmsMasterKeyId');
    return key !== undefined && key !== null && key !== '' && !/alias\/aws\/dynamodb$/.test(flatten(key));
  };
  if (!kmsTable || replicas.length === 0 || !replicas.every(replicaKey)) findings.push('CustomerManagedKey');

  return findings.length ? findings : NagRuleCompliance.COMPLIANT;
}
