import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagRuleCompliance } from 'cdk-nag';
import { SQSDLQAlarm } from '../../../lib/compliance/resilience/rules';
import { testApp } from '../../helpers/synth';

function queues(app: App = testApp()) {
  const stack = new Stack(app, 'Work', { env: { account: '111111111111', region: 'eu-west-3' } });
  const dlq = new sqs.Queue(stack, 'Dlq');
  const queue = new sqs.Queue(stack, 'Queue', { deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
  return { app, stack, dlq, queue, cfn: (q: sqs.Queue) => q.node.defaultChild as sqs.CfnQueue };
}

const alarmOn = (scope: Stack, q: sqs.IQueue) =>
  q
    .metricApproximateNumberOfMessagesVisible()
    .createAlarm(scope, 'DlqNotEmpty', { threshold: 1, evaluationPeriods: 1 });

describe('RempartResilience-SQSDLQAlarm', () => {
  it('passes a DLQ with an alarm in the same stack', () => {
    const { stack, dlq, cfn } = queues();
    alarmOn(stack, dlq);
    expect(SQSDLQAlarm(cfn(dlq))).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('passes a DLQ watched from another stack of the same Region (observability stack)', () => {
    const { app, dlq, cfn } = queues();
    const watcher = new Stack(app, 'Watch', { env: { account: '111111111111', region: 'eu-west-3' } });
    alarmOn(watcher, dlq);
    app.synth();
    expect(SQSDLQAlarm(cfn(dlq))).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('fires on a DLQ without an alarm', () => {
    const { dlq, cfn } = queues();
    expect(SQSDLQAlarm(cfn(dlq))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('fires when the only alarm watches the source queue, not the DLQ', () => {
    const { stack, dlq, queue, cfn } = queues();
    alarmOn(stack, queue);
    expect(SQSDLQAlarm(cfn(dlq))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it("does not apply to a queue that is nobody's DLQ", () => {
    const { queue, cfn } = queues();
    expect(SQSDLQAlarm(cfn(queue))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });

  it('does not apply to other resources', () => {
    const { stack, dlq } = queues();
    const alarm = alarmOn(stack, dlq);
    expect(SQSDLQAlarm(alarm.node.defaultChild as cloudwatch.CfnAlarm)).toBe(
      NagRuleCompliance.NOT_APPLICABLE,
    );
  });
});
