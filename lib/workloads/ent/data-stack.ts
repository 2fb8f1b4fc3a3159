import { Aws } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { RempartConfig } from '../../config/schema';
import { AccessLogsBucket } from '../../constructs/access-logs-bucket/access-logs-bucket';
import { DataKey } from '../../constructs/data-key/data-key';
import {
  GlobalTableConsistency,
  GlobalTableStore,
} from '../../constructs/global-table-store/global-table-store';
import { ReplicatedBucket } from '../../constructs/replicated-bucket/replicated-bucket';
import { RempartStack, type RempartStackProps } from '../../platform/rempart-stack';

/** Props of {@link EntDataStack}, one per application Region. */
export interface EntDataStackProps extends RempartStackProps {
  /** True in the Region that owns the global table definition. */
  readonly isPrimary: boolean;
}

/** Deterministic names, so that each Region finds the other's resources without cross-Region exports. */
export const entNames = {
  /** KMS alias of the ENT data key, the same in every Region. */
  dataKeyAlias: (config: RempartConfig) =>
    `alias/${config.service.name.toLowerCase()}/${config.service.stage}/ent-data`,
  /** Name of the sessions table, the same in every Region (replicas are found by it). */
  sessionsTable: (config: RempartConfig) => `${config.service.name}-${config.service.stage}-ent-sessions`,
  /** Bucket names are global: account and Region make them unique. */
  documentsBucket: (config: RempartConfig, region: string, account: string = Aws.ACCOUNT_ID) =>
    `${config.service.name.toLowerCase()}-${config.service.stage}-ent-docs-${account}-${region}`,
};

/**
 * Stateful ENT resources of one Region: the session/state table (declared with its replicas in the
 * primary Region, imported by name in the secondary), the documents bucket (replicated both ways
 * between the Regions, the rule back set from the primary's stack), the access-logs bucket and the
 * data key.
 *
 * Deploy order: the secondary Region's data stack first (it holds the replication destination, the
 * replica key alias), then the primary's (see `composeRempart`).
 */
export class EntDataStack extends RempartStack {
  /** Whether this Region declares the global table (`props.isPrimary`). */
  public readonly isPrimary: boolean;
  /** Customer-managed key for this Region's ENT data at rest. */
  public readonly dataKey: kms.IKey;
  /** Sessions and per-user state: this Region's replica of the global table. */
  public readonly sessionsTable: dynamodb.ITableV2;
  /** The global table declaration; only in the primary Region. */
  public readonly sessionsStore?: GlobalTableStore;
  /** Homework, course material, messages' attachments. Replicated both ways between the Regions. */
  public readonly documentsBucket: s3.IBucket;
  /** Deterministic name of `documentsBucket`: consumers build ARNs from it without a cross-stack export. */
  public readonly documentsBucketName: string;
  /** Load balancer access logs and S3 server access logs of this Region. */
  public readonly accessLogsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: EntDataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const config = props.config;
    const { primary, secondary } = config.regions;
    this.isPrimary = props.isPrimary;
    const otherRegion = this.isPrimary ? secondary : primary;
    checkBucketNameLength(config, [primary, secondary]);

    this.dataKey = new DataKey(this, 'DataKey', {
      description: `Rempart ENT data at rest, ${this.region}`,
      alias: entNames.dataKeyAlias(config),
      services: ['dynamodb', 's3', 'sqs'],
    }).key;

    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogs').bucket;

    const documents = config.ent.documents;
    this.documentsBucketName = entNames.documentsBucket(config, this.region, this.account);
    this.documentsBucket = new ReplicatedBucket(this, 'Documents', {
      bucketName: this.documentsBucketName,
      encryptionKey: this.dataKey,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 's3/ent-documents/',
      lifecycle: documents,
      replicateTo: this.isPrimary
        ? {
            bucketName: entNames.documentsBucket(config, otherRegion, this.account),
            region: otherRegion,
            keyAlias: entNames.dataKeyAlias(config),
            // After a failover, documents written in the secondary Region come back here.
            replicateBack: true,
          }
        : undefined,
    }).bucket;

    const tableName = entNames.sessionsTable(config);
    if (this.isPrimary) {
      this.sessionsStore = new GlobalTableStore(this, 'Sessions', {
        tableName,
        replicaRegions: [otherRegion],
        // Sessions tolerate last-writer-wins between Regions and need TTL: eventual consistency.
        consistency: GlobalTableConsistency.EVENTUAL,
        encryptionKey: this.dataKey,
        replicaKeyArns: {
          [otherRegion]: GlobalTableStore.keyAliasArn(this, otherRegion, entNames.dataKeyAlias(config)),
        },
        timeToLiveAttribute: 'expiresAt',
      });
      this.sessionsTable = this.sessionsStore.table;
    } else {
      this.sessionsTable = GlobalTableStore.replicaOf(this, 'Sessions', {
        tableName,
        encryptionKey: this.dataKey,
      });
    }
  }
}

function checkBucketNameLength(config: RempartConfig, regions: readonly string[]): void {
  // Only the length matters, and every account id has 12 digits.
  const names = regions.map((r) => entNames.documentsBucket(config, r, '0'.repeat(12)));
  const longest = names.reduce((a, b) => (b.length > a.length ? b : a));
  if (longest.length > 63) {
    throw new Error(
      `EntDataStack: the documents bucket name "${longest}" would have ${longest.length} characters (S3 allows 63). Fix: shorten service.name (currently "${config.service.name}")`,
    );
  }
}
