// LogEncryptionKey: one key per stack that CloudWatch Logs in the stack's Region may use.
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LogEncryptionKey } from '../lib'; // in your app: from 'rempart'

export function logEncryptionKeyExample(app: App): Stack {
  const stack = new Stack(app, 'LogEncryptionKeyExample', { env: { region: 'eu-west-3' } });
  // Share one key between the stack's log groups rather than paying for a key each.
  const logKey = new LogEncryptionKey(stack, 'LogKey');
  for (const name of ['Audit', 'Access']) {
    new logs.LogGroup(stack, `${name}Logs`, {
      encryptionKey: logKey.key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
  return stack;
}
