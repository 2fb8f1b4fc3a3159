import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * What every Rempart bucket keeps, whatever it holds: TLS 1.2+ only, no public access, no ACLs,
 * versioning. Callers add encryption, retention and lifecycle; these settings win over theirs.
 */
export function secureBucketProps(props: s3.BucketProps): s3.BucketProps {
  return {
    ...props,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  };
}
