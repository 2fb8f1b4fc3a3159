import { Annotations, Duration, CustomResource, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { lambdaEntry } from '../../lambda-entry';
import { DataKey } from '../data-key/data-key';
import { InvocationKind, RempartFunction } from '../rempart-function/rempart-function';
import { retryPageHtml } from './error-pages/retry-page';
import { secureBucketProps } from '../private/secure-bucket-props';

/** Props of {@link RetryPageBucket}. */
export interface RetryPageBucketProps {
  /** Path of the page, e.g. "/_rempart/retry.html". */
  readonly pagePath: string;
  /** Shown in the page title and text. */
  readonly serviceName: string;
  /** Seconds the page asks people to wait before it reloads itself. */
  readonly retryAfterSeconds: number;
  /** Key of the publisher's log group. @default - a new key */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * A private, KMS-encrypted bucket holding the static bilingual "high demand, retry" page, written
 * by a small custom resource from the page text in the template (no asset, no Docker), and served
 * to CloudFront through origin access control. Share one between distributions.
 */
export class RetryPageBucket extends Construct {
  /** The bucket holding the page. */
  public readonly bucket: s3.Bucket;
  /** Origin for `ResilientDistribution.retryPage`. */
  public readonly origin: cloudfront.IOrigin;
  /** Path of the page, for `ResilientDistribution.retryPage.path`. */
  public readonly pagePath: string;

  constructor(scope: Construct, id: string, props: RetryPageBucketProps) {
    super(scope, id);
    if (!/^\/[A-Za-z0-9/_.-]+\.html$/.test(props.pagePath)) {
      throw new Error(
        `RetryPageBucket ${this.node.path}: pagePath is "${props.pagePath}". Fix: use an absolute path to an .html page, e.g. "/_rempart/retry.html"`,
      );
    }
    this.pagePath = props.pagePath;
    const key = new DataKey(this, 'Key', { description: 'Rempart static retry page', services: ['s3'] }).key;
    this.bucket = new s3.Bucket(
      this,
      'Bucket',
      secureBucketProps({
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: key,
        bucketKeyEnabled: true,
        removalPolicy: RemovalPolicy.RETAIN,
        // Each deploy rewrites the page: old versions are only a short undo window.
        lifecycleRules: [
          {
            id: 'ExpireOldPageVersions',
            noncurrentVersionExpiration: Duration.days(30),
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
        ],
      }),
    );
    this.origin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket);
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac',
      "The key encrypts one public page; its policy lets CloudFront decrypt only for this account's distributions (aws:SourceArn distribution/*), which avoids a key-bucket-distribution cycle.",
    );

    const objectKey = props.pagePath.slice(1);
    const publisher = new RempartFunction(this, 'Publisher', {
      entry: lambdaEntry('edge/publish-pages'),
      description: 'Writes the static retry page into its bucket (CloudFormation custom resource)',
      invocation: InvocationKind.CUSTOM_RESOURCE,
      reservedConcurrentExecutions: 1,
      memorySize: 256,
      logEncryptionKey: props.logEncryptionKey,
    });
    publisher.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(objectKey)],
      }),
    );
    publisher.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [key.keyArn] }),
    );

    const page = new CustomResource(this, 'Page', {
      serviceToken: publisher.function.functionArn,
      resourceType: 'Custom::RempartStaticPage',
      properties: {
        BucketName: this.bucket.bucketName,
        Pages: [
          {
            Key: objectKey,
            Body: retryPageHtml({
              serviceName: props.serviceName,
              retryAfterSeconds: props.retryAfterSeconds,
            }),
            ContentType: 'text/html; charset=utf-8',
            CacheControl: 'public, max-age=300',
          },
        ],
      },
    });
    page.node.addDependency(publisher.role);

    const noLogsReason =
      'Holds one public, non-personal static page written by CloudFormation; it is read only by CloudFront through origin access control, and every read is recorded in the distribution access logs (standard logging v2). Server access logs would add a log bucket that itself needs this exception.';
    const noReplicaReason =
      'The only object is generated from the template at deploy time: redeploying the stack recreates it in minutes, so replication adds no recovery. CloudFront itself is a global service whose configuration lives in us-east-1.';
    acknowledge(
      this.bucket,
      { id: 's3-no-server-access-logs', reason: noLogsReason },
      { id: 's3-not-replicated', reason: noReplicaReason },
    );
  }
}
