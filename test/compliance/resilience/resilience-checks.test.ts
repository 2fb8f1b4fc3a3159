import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RempartResilienceChecks } from '../../../lib/compliance/resilience';
import { acknowledge } from '../../../lib/compliance/acknowledge';
import { testStack } from '../../helpers/synth';

describe('RempartResilienceChecks pack', () => {
  it('is named RempartResilience and reports findings with the pack prefix', () => {
    const stack = testStack();
    const dlq = new sqs.Queue(stack, 'Dlq');
    new sqs.Queue(stack, 'Queue', { deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
    const pack = new RempartResilienceChecks();
    expect(pack.readPackName).toBe('RempartResilience');
    const report = pack.validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual(['RempartResilience-SQSDLQAlarm']);
    expect(report.violations[0].violatingResources[0].constructPath).toBe('TestStack/Dlq/Resource');
  });

  it('honours an acknowledgement on the exact resource', () => {
    const stack = testStack();
    const dlq = new sqs.Queue(stack, 'Dlq');
    new sqs.Queue(stack, 'Queue', { deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
    acknowledge(dlq, {
      id: 'RempartResilience-SQSDLQAlarm',
      reason: 'Test: acknowledged to prove the gate reads acknowledgements.',
    });
    expect(new RempartResilienceChecks().validateScope(stack).success).toBe(true);
  });
});
