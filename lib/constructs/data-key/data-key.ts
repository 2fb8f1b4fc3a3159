import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface DataKeyProps {
  /** What the key protects, shown in the KMS console. */
  readonly description: string;
  /** @default "Rempart" prefix is not added; give a stable alias name for operators, e.g. "alias/rempart/booking-data" */
  readonly alias?: string;
}

/**
 * A customer-managed key for data at rest in one Region (table replicas, buckets, queues, vaults).
 * Rotation on; retained when its stack is deleted, because data it encrypts would become unreadable.
 */
export class DataKey extends Construct {
  public readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Resource', {
      description: props.description,
      alias: props.alias,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
