import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { LogEncryptionKey } from '../constructs/log-encryption-key/log-encryption-key';
import { RempartStack, type RempartStackProps } from './rempart-stack';

export type EdgeStackProps = RempartStackProps;

/**
 * us-east-1: CLOUDFRONT-scope web ACLs, the distributions of both workloads, Shield Advanced (opt-in)
 * and the alarms on CloudFront and WAF metrics, which exist only in this Region.
 */
export class EdgeStack extends RempartStack {
  /** Shared key of every log group in this stack. */
  public readonly logKey: kms.IKey;
  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    this.logKey = new LogEncryptionKey(this, 'LogKey', {
      description: `Rempart Edge logs (WAF, CloudFront real-time), ${this.region}`,
    }).key;
  }
}
