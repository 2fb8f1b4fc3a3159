import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { LogEncryptionKey } from '../constructs/log-encryption-key/log-encryption-key';
import type { EntDataStack } from './ent-data-stack';
import { RempartStack, type RempartStackProps } from './rempart-stack';

export interface EntServiceStackProps extends RempartStackProps {
  readonly data: EntDataStack;
}

/** Stateless ENT resources of one Region: VPC, load balancer, Fargate service, heavy-write queue. */
export class EntServiceStack extends RempartStack {
  /** Shared key of every log group in this stack. */
  public readonly logKey: kms.IKey;
  constructor(scope: Construct, id: string, props: EntServiceStackProps) {
    super(scope, id, props);
    this.logKey = new LogEncryptionKey(this, 'LogKey', {
      description: `Rempart ENT service logs, ${this.region}`,
    }).key;
  }
}
