import { Template } from 'aws-cdk-lib/assertions';
import { AccessLogsBucket } from '../../lib/constructs/access-logs-bucket/access-logs-bucket';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { testStack } from '../helpers/synth';

describe('AccessLogsBucket', () => {
  const stack = testStack();
  const logs = new AccessLogsBucket(stack, 'Logs', { retentionDays: 400 });
  const template = Template.fromStack(stack);

  it('is SSE-S3 encrypted (what ELB log delivery accepts), versioned, private, retained, and expires logs', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'ExpireLogs',
              Status: 'Enabled',
              ExpirationInDays: 400,
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      },
    });
  });

  it('passes every cdk-nag pack, PCI DSS included, and covers Control Tower through the same controls', () => {
    for (const pack of [
      new AwsSolutionsChecks(),
      new NIST80053R5Checks(),
      new HIPAASecurityChecks(),
      new PCIDSS321Checks(),
    ]) {
      expect(pack.validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
    }
    const ids = logs.bucket.node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) => Object.keys(m.data as object));
    expect(ids).toEqual(
      expect.arrayContaining([
        'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
        'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check',
        'Annotation::PCI.DSS.321-S3BucketReplicationEnabled',
      ]),
    );
  });

  it('rejects a retention below one day', () => {
    expect(() => new AccessLogsBucket(testStack(), 'Logs', { retentionDays: 0 })).toThrow(
      /AccessLogsBucket TestStack\/Logs: retentionDays is 0\. Fix: use a whole number of days of at least 1/,
    );
  });
});
