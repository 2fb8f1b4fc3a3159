import { Match, Template } from 'aws-cdk-lib/assertions';
import { FaultConfigBucket } from '../../lib/constructs/chaos-experiments';
import { testStack } from '../helpers/synth';

describe('FaultConfigBucket defaults', () => {
  const stack = testStack();
  const b = new FaultConfigBucket(stack, 'FaultConfig');
  const template = Template.fromStack(stack);

  it('writes under "fis/lambda/" and names the location as an S3 ARN', () => {
    expect(b.prefix).toBe('fis/lambda/');
    expect(b.location.bucket).toBe(b.bucket);
    expect(stack.resolve(b.locationArn)).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^FaultConfig/), 'Arn'] }, '/fis/lambda/']],
    });
  });

  it('is SSE-S3 encrypted, private, owner-enforced and versioned', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('refuses plain HTTP and TLS below 1.2', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('expires fault configuration after a day and its noncurrent versions after 30 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Id: 'ExpireFaultConfig',
            ExpirationInDays: 1,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
          Match.objectLike({ Id: 'RemoveExpiredDeleteMarkers', ExpiredObjectDeleteMarker: true }),
        ],
      },
    });
  });

  it('is deleted with its stack (ephemeral, non-personal data)', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });
});

describe('FaultConfigBucket options and validation', () => {
  it('adds the trailing "/" to a prefix and keeps noncurrent versions as asked', () => {
    const stack = testStack();
    const b = new FaultConfigBucket(stack, 'F', { prefix: 'chaos', noncurrentVersionDays: 7 });
    expect(b.prefix).toBe('chaos/');
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } })]),
      },
    });
  });

  it.each([
    [{ prefix: '/fis' }, /prefix is "\/fis"\. Fix: use a non-empty key prefix/],
    [{ prefix: '' }, /prefix is ""\. Fix:/],
    [
      { noncurrentVersionDays: 0 },
      /noncurrentVersionDays is 0\. Fix: use a whole number of days of at least 1/,
    ],
  ])('rejects %p', (props, message) => {
    expect(() => new FaultConfigBucket(testStack(), 'Bad', props)).toThrow(message);
  });
});
