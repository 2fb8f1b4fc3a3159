import { Template } from 'aws-cdk-lib/assertions';
import { keyPolicyProblems } from '../../lib/compliance/key-policy-check';
import { LogEncryptionKey } from '../../lib/constructs/log-encryption-key/log-encryption-key';
import { testStack } from '../helpers/synth';

describe('LogEncryptionKey', () => {
  const stack = testStack('eu-central-1');
  new LogEncryptionKey(stack, 'LogKey');
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  const statements = key.Properties.KeyPolicy.Statement as {
    Sid: string;
    Principal: unknown;
    Condition?: unknown;
  }[];

  it('is used by CloudWatch Logs of this Region, for this account log groups only', () => {
    const logs = statements.find((s) => s.Sid === 'CloudWatchLogsUse');
    expect(logs?.Principal).toEqual({ Service: 'logs.eu-central-1.amazonaws.com' });
    expect(logs?.Condition).toEqual({
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-central-1:111111111111:*' },
    });
  });

  it('gives nobody else any use: administration for the account, no use statement', () => {
    expect(statements.map((s) => s.Sid)).toEqual([
      'KeyAdministration',
      'DenyGrantsExceptForAwsResources',
      'CloudWatchLogsUse',
    ]);
    expect(keyPolicyProblems(key.Properties.KeyPolicy)).toEqual([]);
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
  });
});
