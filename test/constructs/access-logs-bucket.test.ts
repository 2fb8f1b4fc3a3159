import { Template } from 'aws-cdk-lib/assertions';
import { AccessLogsBucket } from '../../lib/constructs/access-logs-bucket/access-logs-bucket';
import { testStack } from '../helpers/synth';

describe('AccessLogsBucket', () => {
  const stack = testStack();
  new AccessLogsBucket(stack, 'Logs', { retentionDays: 400 });
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

  it('rejects a retention below one day', () => {
    expect(() => new AccessLogsBucket(testStack(), 'Logs', { retentionDays: 0 })).toThrow(
      /AccessLogsBucket TestStack\/Logs: retentionDays is 0\. Fix: use a whole number of days of at least 1/,
    );
  });
});
