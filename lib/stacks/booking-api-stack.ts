import * as path from 'node:path';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { LogEncryptionKey } from '../constructs/log-encryption-key/log-encryption-key';
import { InvocationKind, RempartFunction } from '../constructs/rempart-function/rempart-function';
import type { BookingDataStack } from './booking-data-stack';
import { RempartStack, type RempartStackProps } from './rempart-stack';

export interface BookingApiStackProps extends RempartStackProps {
  /** Same-Region stateful stack this one reads from. */
  readonly data: BookingDataStack;
}

/** Stateless booking resources of one Region: API, queue, worker, health. */
export class BookingApiStack extends RempartStack {
  /** Shared key of every log group in this stack. */
  public readonly logKey: kms.IKey;
  public readonly healthFunction: RempartFunction;

  constructor(scope: Construct, id: string, props: BookingApiStackProps) {
    super(scope, id, props);
    this.logKey = new LogEncryptionKey(this, 'LogKey', {
      description: `Rempart Booking API and worker logs, ${this.region}`,
    }).key;
    this.healthFunction = new RempartFunction(this, 'HealthFunction', {
      entry: path.join(__dirname, '../../lambda/health/handler.ts'),
      description: 'Regional liveness of the booking compute path',
      invocation: InvocationKind.SYNCHRONOUS,
      reservedConcurrentExecutions: 5,
      logEncryptionKey: this.logKey,
    });
  }
}
