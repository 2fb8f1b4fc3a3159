// ReplicatedBucket: documents encrypted with a customer-managed key and copied to another Region.
import { App, Stack } from 'aws-cdk-lib';
import { AccessLogsBucket, DataKey, ReplicatedBucket } from '../lib'; // in your app: from 'rempart'

const KEY_ALIAS = 'alias/my-service/documents';
const bucketName = (region: string) => `my-service-documents-${region}`;

/** One stack per Region; the Paris bucket replicates into the Frankfurt one (deploy Frankfurt first). */
export function replicatedBucketExample(app: App): { paris: Stack; frankfurt: Stack } {
  const documents = (region: string, replicateTo?: string) => {
    const stack = new Stack(app, `ReplicatedBucketExample-${region}`, { env: { region } });
    new ReplicatedBucket(stack, 'Documents', {
      bucketName: bucketName(region),
      encryptionKey: new DataKey(stack, 'DataKey', { description: 'Documents', alias: KEY_ALIAS }).key,
      serverAccessLogsBucket: new AccessLogsBucket(stack, 'AccessLogs').bucket,
      // Names, not references: the destination is found by its deterministic name and key alias.
      replicateTo: replicateTo
        ? { region: replicateTo, bucketName: bucketName(replicateTo), keyAlias: KEY_ALIAS }
        : undefined,
    });
    return stack;
  };
  const frankfurt = documents('eu-central-1');
  const paris = documents('eu-west-3', 'eu-central-1');
  paris.addStackDependency(frankfurt);
  return { paris, frankfurt };
}
