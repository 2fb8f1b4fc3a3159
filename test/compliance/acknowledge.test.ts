import { Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { testApp, testStack } from '../helpers/synth';

const reason = 'A reason long enough for an auditor to read.';

/** Rule ids recorded on a construct, as aws-cdk-lib stores them (annotation:: prefix removed). */
function acknowledged(queue: sqs.Queue): Record<string, string> {
  const entries = queue.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
  return Object.fromEntries(
    entries.flatMap((e) =>
      Object.entries(e.data as Record<string, string>).map(([k, v]) => [k.replace(/^Annotation::/i, ''), v]),
    ),
  );
}

describe('acknowledge()', () => {
  it('records the exact finding on the construct', () => {
    const queue = new sqs.Queue(testStack(), 'Queue');
    acknowledge(queue, { id: 'AwsSolutions-SQS2', reason });
    expect(Object.keys(acknowledged(queue))).toEqual(['AwsSolutions-SQS2']);
  });

  it('expands a control to its equivalent rule ids in every pack, naming the control in the reason', () => {
    const queue = new sqs.Queue(testStack(), 'Queue');
    acknowledge(queue, { id: 'sqs-terminal-dead-letter-queue', reason });
    const ids = acknowledged(queue);
    expect(Object.keys(ids).sort()).toEqual([
      'AwsSolutions-SQS3',
      'Serverless-SQSRedrivePolicy',
      'cdk-validator-cfnguard::sqs_dlq_check',
    ]);
    expect(ids['AwsSolutions-SQS3']).toBe(`[control sqs-terminal-dead-letter-queue] ${reason}`);
  });

  it('expands a pack rule id that a control lists, so PCI DSS needs no acknowledgement of its own', () => {
    const queue = new sqs.Queue(testStack(), 'Queue');
    acknowledge(queue, { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason });
    expect(Object.keys(acknowledged(queue)).sort()).toEqual([
      'HIPAA.Security-S3BucketReplicationEnabled',
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'PCI.DSS.321-S3BucketReplicationEnabled',
    ]);
  });

  it('keeps the finding of granular rules, from a control or from the pack id', () => {
    const a = new sqs.Queue(testStack(), 'Queue');
    acknowledge(a, { id: 'iam-wildcard-justified[Resource::*]', reason });
    expect(Object.keys(acknowledged(a))).toEqual(['AwsSolutions-IAM5[Resource::*]']);
    const b = new sqs.Queue(testStack(), 'Queue');
    acknowledge(b, { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason });
    expect(Object.keys(acknowledged(b))).toEqual(['AwsSolutions-IAM5[Action::kms:ReEncrypt*]']);
  });

  it('accepts a validation plugin rule (Control Tower) by its namespaced id', () => {
    const queue = new sqs.Queue(testStack(), 'Queue');
    acknowledge(queue, { id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check', reason });
    expect(Object.keys(acknowledged(queue))).toEqual([
      'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
    ]);
  });

  it('refuses app- and stack-wide acknowledgements, also of a control', () => {
    const app = testApp();
    const stack = testStack('eu-west-3', app);
    expect(() => acknowledge(app, { id: 'AwsSolutions-SQS3', reason })).toThrow(/refused on .*whole App/);
    expect(() => acknowledge(stack, { id: 'lambda-outside-vpc', reason })).toThrow(
      /refused on "TestStack", a whole Stack/,
    );
  });

  it('refuses malformed ids, unknown controls, a granular control without its finding and short reasons', () => {
    const queue = new sqs.Queue(testStack(), 'Queue');
    expect(() => acknowledge(queue, { id: 'SQS3', reason })).toThrow(
      /on TestStack\/Queue, "SQS3" is not a finding id/,
    );
    expect(() => acknowledge(queue, { id: 'lambda-in-a-hurry', reason })).toThrow(
      /"lambda-in-a-hurry" is neither a finding id nor a Rempart control.*lambda-outside-vpc/,
    );
    expect(() => acknowledge(queue, { id: 'iam-wildcard-justified', reason })).toThrow(
      /covers granular findings. Fix: name the finding/,
    );
    expect(() => acknowledge(queue, { id: 'lambda-outside-vpc[Resource::*]', reason })).toThrow(
      /has no granular findings/,
    );
    expect(() => acknowledge(queue, { id: 'AwsSolutions-SQS3', reason: 'because' })).toThrow(
      /has 7 characters.*at least 20/,
    );
    expect(() => acknowledge(queue)).toThrow(/needs at least one finding/);
    expect(acknowledged(queue)).toEqual({});
  });
});
