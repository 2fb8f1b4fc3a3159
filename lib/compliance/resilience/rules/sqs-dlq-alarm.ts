import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import {
  asArray,
  cfnOf,
  field,
  flatten,
  logicalIdOf,
  mentions,
  regionOf,
  resourcesOfType,
} from '../private/cfn';

/**
 * Every dead-letter queue is watched by a CloudWatch alarm: a DLQ that fills silently is data loss
 * discovered by citizens. A queue is a DLQ when another queue of the app names it as its
 * `deadLetterTargetArn`; the alarm may live in any stack of the same Region (e.g. an observability
 * stack) and must use the queue's name as its `QueueName` dimension. Queues and alarms are found by
 * CloudFormation type, so raw `CfnResource` queues and alarms count like L2 ones.
 */
export function SQSDLQAlarm(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::SQS::Queue') return NagRuleCompliance.NOT_APPLICABLE;
  const logicalId = logicalIdOf(node);
  const literalName = field(cfnOf(node).properties, 'QueueName');
  const name = typeof literalName === 'string' ? literalName : undefined;
  const region = regionOf(node);

  // Resolved as the DLQ's own stack sees it, a reference to the DLQ is a GetAtt of its logical id,
  // whichever stack the referencing queue or alarm lives in.
  const refersToNode = (value: unknown): boolean => {
    const text = flatten(value);
    return mentions(text, logicalId) || (name !== undefined && (text === name || text.endsWith(`:${name}`)));
  };
  const isDlq = resourcesOfType(node, 'AWS::SQS::Queue', node).some((other) => {
    if (other.node === node) return false;
    const redrive = field(other.properties, 'RedrivePolicy');
    const target = field(typeof redrive === 'string' ? parseJson(redrive) : redrive, 'deadLetterTargetArn');
    return refersToNode(target);
  });
  if (!isDlq) return NagRuleCompliance.NOT_APPLICABLE;

  const watched = resourcesOfType(node, 'AWS::CloudWatch::Alarm', node).some((alarm) => {
    const alarmRegion = regionOf(alarm.node);
    if (region && alarmRegion && region !== alarmRegion) return false;
    const dimensions = [
      ...asArray(field(alarm.properties, 'Dimensions')),
      ...asArray(field(alarm.properties, 'Metrics')).flatMap((query) =>
        asArray(field(field(field(query, 'MetricStat'), 'Metric'), 'Dimensions')),
      ),
    ];
    return dimensions.some((d) => field(d, 'Name') === 'QueueName' && refersToNode(field(d, 'Value')));
  });
  return watched ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
