import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { secureBucketProps } from '../private/secure-bucket-props';

/** Props of {@link AccessLogsBucket}: only how long logs are kept, the rest is fixed on purpose. */
export interface AccessLogsBucketProps {
  /**
   * Days a log object is kept before it expires. A year covers an incident found late (and the
   * connection-data retention French law asks of public services); shorten it only for test stacks.
   * @default 365
   */
  readonly retentionDays?: number;
}

/**
 * Destination of load balancer access logs and S3 server access logs in one Region: versioned,
 * TLS-only, no public access, SSE-S3 (the only encryption ELB log delivery accepts), retained with
 * its stack. Logs expire after `retentionDays`.
 */
export class AccessLogsBucket extends Construct {
  /** The bucket: pass it as `serverAccessLogsBucket` or to `loadBalancer.logAccessLogs()`. */
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 365;
    if (!Token.isUnresolved(retentionDays) && (!Number.isInteger(retentionDays) || retentionDays < 1)) {
      throw new Error(
        `AccessLogsBucket ${this.node.path}: retentionDays is ${retentionDays}. Fix: use a whole number of days of at least 1`,
      );
    }
    this.bucket = new s3.Bucket(
      this,
      'Resource',
      secureBucketProps({
        encryption: s3.BucketEncryption.S3_MANAGED,
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [
          {
            id: 'ExpireLogs',
            expiration: Duration.days(retentionDays),
            noncurrentVersionExpiration: Duration.days(30),
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
        ],
      }),
    );

    acknowledge(
      this.bucket,
      {
        id: 's3-sse-s3-encryption',
        reason:
          'Elastic Load Balancing access log delivery supports only SSE-S3 (AES-256) on its destination bucket; a KMS key would make delivery fail. Objects are still encrypted at rest.',
      },
      {
        id: 's3-not-replicated',
        reason:
          'Holds operational access logs of this Region only; they are not needed to serve from the other Region, and copying them would double personal data (client IPs) held.',
      },
      {
        id: 's3-no-server-access-logs',
        reason:
          'This bucket is the server access log destination of the Region: logging it would write its own access records into itself, or into another bucket that would need the same exemption.',
      },
    );
  }
}
