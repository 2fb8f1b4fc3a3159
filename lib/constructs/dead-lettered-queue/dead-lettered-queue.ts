import { Duration, Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';

/** Props of {@link DeadLetteredQueue}. */
export interface DeadLetteredQueueProps {
  /** Customer-managed key that encrypts both queues. */
  readonly encryptionKey: kms.IKey;
  /**
   * Time a consumer has before a message is redelivered; for a Lambda consumer, at least six times
   * its timeout (AWS's advice), or messages are retried while still being processed.
   * @default Duration.seconds(60)
   */
  readonly visibilityTimeout?: Duration;
  /** How long a pending message waits for a consumer. @default Duration.days(4) */
  readonly retentionPeriod?: Duration;
  /** Receives before a message goes to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /**
   * How long the dead-letter queue keeps failures; longer than `retentionPeriod`, because SQS keeps a
   * message's first enqueue time when it moves it. @default Duration.days(14)
   */
  readonly deadLetterRetentionPeriod?: Duration;
}

/**
 * A standard queue that absorbs bursts of writes and hands the ones that keep failing to a
 * dead-letter queue, both encrypted with a customer-managed key and refusing non-TLS access.
 * Grant on `queue` as on any queue; alarm on `deadLetterQueue` (any visible message is a failure).
 */
export class DeadLetteredQueue extends Construct {
  /** The queue producers send to and consumers read. */
  public readonly queue: sqs.Queue;
  /** Where messages go after `maxReceiveCount` failed receives; nothing reads it automatically. */
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DeadLetteredQueueProps) {
    super(scope, id);
    const visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(60);
    const retentionPeriod = props.retentionPeriod ?? Duration.days(4);
    const deadLetterRetentionPeriod = props.deadLetterRetentionPeriod ?? Duration.days(14);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    validate(this.node.path, {
      visibilityTimeout,
      retentionPeriod,
      deadLetterRetentionPeriod,
      maxReceiveCount,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: deadLetterRetentionPeriod,
    });
    this.queue = new sqs.Queue(this, 'Resource', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      visibilityTimeout,
      retentionPeriod,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    acknowledge(this.deadLetterQueue, {
      id: 'sqs-terminal-dead-letter-queue',
      reason:
        'This is the terminal dead-letter queue of the heavy-write queue: a further DLQ would only move the same failures. After the cause is fixed, operators move messages back to the source queue with an SQS redrive (StartMessageMoveTask).',
    });
  }
}

function validate(
  path: string,
  p: {
    visibilityTimeout: Duration;
    retentionPeriod: Duration;
    deadLetterRetentionPeriod: Duration;
    maxReceiveCount: number;
  },
): void {
  const problems: string[] = [];
  const resolved = (d: Duration) => !d.isUnresolved();
  if (resolved(p.visibilityTimeout) && p.visibilityTimeout.toSeconds() > 43_200) {
    problems.push(
      `visibilityTimeout is ${p.visibilityTimeout.toSeconds()} s. Fix: use at most 12 hours (43200 s)`,
    );
  }
  for (const [name, d] of [
    ['retentionPeriod', p.retentionPeriod],
    ['deadLetterRetentionPeriod', p.deadLetterRetentionPeriod],
  ] as const) {
    if (resolved(d) && (d.toSeconds() < 60 || d.toSeconds() > 1_209_600)) {
      problems.push(`${name} is ${d.toSeconds()} s. Fix: use 60 s to 14 days`);
    }
  }
  if (
    resolved(p.retentionPeriod) &&
    resolved(p.deadLetterRetentionPeriod) &&
    p.deadLetterRetentionPeriod.toSeconds() <= p.retentionPeriod.toSeconds()
  ) {
    problems.push(
      `deadLetterRetentionPeriod (${p.deadLetterRetentionPeriod.toSeconds()} s) is not longer than retentionPeriod (${p.retentionPeriod.toSeconds()} s); moved messages keep their first enqueue time and would expire almost at once. Fix: make the dead-letter retention longer`,
    );
  }
  const n = p.maxReceiveCount;
  if (!Token.isUnresolved(n) && (!Number.isInteger(n) || n < 1 || n > 1000)) {
    problems.push(`maxReceiveCount is ${n}. Fix: use a whole number from 1 to 1000`);
  }
  if (problems.length) throw new Error(`DeadLetteredQueue ${path}: ${problems.join('; ')}`);
}
