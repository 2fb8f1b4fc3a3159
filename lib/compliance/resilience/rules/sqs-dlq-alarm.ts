import type { CfnResource } from 'aws-cdk-lib';
import { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import {
  allResources,
  asArray,
  field,
  flatten,
  logicalIdOf,
  mentions,
  regionOf,
  resolveIn,
} from '../private/cfn';

/**
 * Every dead-letter queue is watched by a CloudWatch alarm: a DLQ that fills silently is data loss
 * discovered by citizens. A queue is a DLQ when another queue of the app names it as its
 * `deadLetterTargetArn`; the alarm may live in any stack of the same Region (e.g. an observability
 * stack) and must use the queue's name as its `QueueName` dimension.
 */
export function SQSDLQAlarm(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnQueue)) return NagRuleCompliance.NOT_APPLICABLE;
  const logicalId = logicalIdOf(node);
  const literalName = resolveIn(node, node.queueName);
  const name = typeof literalName === 'string' ? literalName : undefined;
  const region = regionOf(node);
  const resources = allResources(node);

  // Resolved as the DLQ's own stack sees it, a reference to the DLQ is a GetAtt of its logical id,
  // whichever stack the referencing queue or alarm lives in.
  const refersToNode = (value: unknown): boolean => {
    const text = flatten(value);
    return mentions(text, logicalId) || (name !== undefined && (text === name || text.endsWith(`:${name}`)));
  };
  const isDlq = resources.some(
    (other) =>
      other instanceof CfnQueue &&
      other !== node &&
      refersToNode(field(resolveIn(node, other.redrivePolicy), 'deadLetterTargetArn')),
  );
  if (!isDlq) return NagRuleCompliance.NOT_APPLICABLE;

  const watched = resources.some((alarm) => {
    if (!(alarm instanceof CfnAlarm)) return false;
    const alarmRegion = regionOf(alarm);
    if (region && alarmRegion && region !== alarmRegion) return false;
    const dimensions = [
      ...asArray(resolveIn(node, alarm.dimensions)),
      ...asArray(resolveIn(node, alarm.metrics)).flatMap((query) =>
        asArray(field(field(field(query, 'metricStat'), 'metric'), 'dimensions')),
      ),
    ];
    return dimensions.some((d) => field(d, 'name') === 'QueueName' && refersToNode(field(d, 'value')));
  });
  return watched ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
