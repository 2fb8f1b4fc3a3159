import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
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

export interface BookingDataStackProps extends RempartStackProps {
  /** True in the Region that owns the global table definition (its replicas are declared there). */
  readonly isPrimary: boolean;
}

/** Deterministic names shared by both Regions, so that neither needs a cross-Region export. */
export function bookingNames(config: RempartConfig) {
  const prefix = config.service.name.toLowerCase();
  return {
    tableName: `${config.service.name}-${config.service.stage}-booking`,
    dataKeyAlias: `alias/${prefix}-${config.service.stage}/booking-data`,
    siteKeyAlias: `alias/${prefix}-${config.service.stage}/booking-site`,
    siteBucketName: (account: string, region: string) =>
      `${prefix}-${config.service.stage}-booking-site-${account}-${region}`,
  };
}

/**
 * Stateful booking resources of one Region: the booking table (declared in the primary as an MRSC
 * global table with a replica here in the secondary and a witness in the third Region; imported by
 * name in the secondary), its customer-managed key, and the static front-end bucket.
 *
 * Deploy order (see rempart-app.ts): secondary data → primary data → APIs, because the primary's
 * table and bucket name the secondary's key aliases and bucket.
 */
export class BookingDataStack extends RempartStack {
  public readonly isPrimary: boolean;
  /** Customer-managed key for this Region's booking data at rest. */
  public readonly dataKey: kms.IKey;
  /** This Region's replica of the booking table. */
  public readonly table: dynamodb.ITableV2;
  /** The global table construct; defined in the primary Region only. */
  public readonly store?: GlobalTableStore;
  public readonly tableName: string;
  /** Static front end, served by CloudFront through origin access control. */
  public readonly siteBucket: s3.IBucket;
  /** Key of the site bucket; CloudFront may decrypt with it (OAC over SSE-KMS). */
  public readonly siteKey: kms.IKey;

  constructor(scope: Construct, id: string, props: BookingDataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    this.isPrimary = props.isPrimary;
    const { config } = props;
    const names = bookingNames(config);
    const otherRegion = props.isPrimary ? config.regions.secondary : config.regions.primary;

    this.dataKey = new DataKey(this, 'DataKey', {
      description: `Rempart booking data at rest, ${this.region}`,
      alias: names.dataKeyAlias,
    }).key;
    this.tableName = names.tableName;

    if (props.isPrimary) {
      const settings = config.booking.settings;
      this.store = new GlobalTableStore(this, 'Table', {
        tableName: names.tableName,
        consistency: GlobalTableConsistency.STRONG,
        witnessRegion: config.regions.witness,
        replicaRegions: [otherRegion],
        encryptionKey: this.dataKey,
        replicaKeyArns: {
          [otherRegion]: GlobalTableStore.keyAliasArn(this, otherRegion, names.dataKeyAlias),
        },
        warmThroughput: settings.warmThroughput,
      });
      this.table = this.store.table;
    } else {
      this.table = GlobalTableStore.replicaOf(this, 'Table', {
        tableName: names.tableName,
        encryptionKey: this.dataKey,
      });
    }

    this.siteKey = new DataKey(this, 'SiteKey', {
      description: `Rempart booking static front end, ${this.region}`,
      alias: names.siteKeyAlias,
    }).key;
    const cloudFront = new iam.ServicePrincipal('cloudfront.amazonaws.com');
    const fromOurDistributions = {
      StringEquals: { 'AWS:SourceAccount': this.account },
      ArnLike: { 'AWS:SourceArn': `arn:${this.partition}:cloudfront::${this.account}:distribution/*` },
    };
    this.siteKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudFrontOacDecrypt',
        principals: [cloudFront],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: fromOurDistributions,
      }),
    );

    const logs = new AccessLogsBucket(this, 'AccessLogs');
    const site = new ReplicatedBucket(this, 'SiteBucket', {
      encryptionKey: this.siteKey,
      serverAccessLogsBucket: logs.bucket,
      serverAccessLogsPrefix: 's3/booking-site/',
      bucketName: names.siteBucketName(this.account, this.region),
      replicateTo: props.isPrimary
        ? {
            bucketName: names.siteBucketName(this.account, otherRegion),
            region: otherRegion,
            keyAlias: names.siteKeyAlias,
          }
        : undefined,
    });
    // The distribution lives in us-east-1: allowed by service principal and source conditions.
    site.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudFrontOacRead',
        principals: [cloudFront],
        actions: ['s3:GetObject'],
        resources: [site.bucket.arnForObjects('*')],
        conditions: fromOurDistributions,
      }),
    );
    this.siteBucket = site.bucket;
  }
}
