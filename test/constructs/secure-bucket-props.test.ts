import { RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { secureBucketProps } from '../../lib/constructs/private/secure-bucket-props';

describe('secureBucketProps', () => {
  it('adds TLS-only, TLS 1.2+, versioning, no public access and no ACLs, keeping the caller settings', () => {
    expect(secureBucketProps({ removalPolicy: RemovalPolicy.RETAIN })).toEqual({
      removalPolicy: RemovalPolicy.RETAIN,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    });
  });

  it('keeps its settings over a caller that asks for less', () => {
    const props = secureBucketProps({
      enforceSSL: false,
      versioned: false,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS,
    });
    expect(props).toMatchObject({
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });
  });
});
