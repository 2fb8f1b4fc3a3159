import { Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { testApp, testStack } from '../helpers/synth';

const reason = 'A reason long enough for an auditor to read.';

describe('acknowledge()', () => {
  it('records the exact finding on the construct', () => {
    const stack = testStack();
    const queue = new sqs.Queue(stack, 'Queue');
    acknowledge(queue, { id: 'AwsSolutions-SQS3', reason });
    const entries = queue.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(JSON.stringify(entries)).toContain('AwsSolutions-SQS3');
  });

  it('refuses app- and stack-wide acknowledgements', () => {
    const app = testApp();
    const stack = testStack('eu-west-3', app);
    expect(() => acknowledge(app, { id: 'AwsSolutions-SQS3', reason })).toThrow(/refused on .*whole App/);
    expect(() => acknowledge(stack, { id: 'AwsSolutions-SQS3', reason })).toThrow(
      /refused on "TestStack", a whole Stack/,
    );
  });

  it('refuses malformed ids and short reasons', () => {
    const queue = new sqs.Queue(testStack(), 'Queue');
    expect(() => acknowledge(queue, { id: 'SQS3', reason })).toThrow(/"SQS3" on .* is not a finding id/);
    expect(() => acknowledge(queue, { id: 'AwsSolutions-SQS3', reason: 'because' })).toThrow(
      /has 7 characters.*at least 20/,
    );
    expect(() => acknowledge(queue)).toThrow(/needs at least one finding/);
  });
});
