import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { hardenedKeyPolicy } from '../private/key-policy';

/** Props of {@link LogEncryptionKey}. */
export interface LogEncryptionKeyProps {
  /** Shown in the KMS console. @default "Rempart CloudWatch Logs encryption" */
  readonly description?: string;
}

/**
 * A customer-managed KMS key that CloudWatch Logs in this stack's Region may use, with rotation on.
 * One per stack is enough: share it between log groups rather than paying for a key each.
 *
 * Only the CloudWatch Logs service uses it, for log groups of this account and Region (encryption
 * context condition); the account administers it and nobody else can use it: people read logs
 * through CloudWatch Logs, which decrypts with its own principal.
 */
export class LogEncryptionKey extends Construct {
  /** The key, to pass as `encryptionKey` of the stack's log groups. */
  public readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: LogEncryptionKeyProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'Resource', {
      description: props.description ?? 'Rempart CloudWatch Logs encryption',
      enableKeyRotation: true,
      // Logs encrypted with it stay readable only while it exists: keep it when the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
      policy: hardenedKeyPolicy(this, { services: [] }),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsUse',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:*`,
          },
        },
      }),
    );
    this.key = key;
  }
}
