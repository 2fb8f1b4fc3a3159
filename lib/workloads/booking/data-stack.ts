import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import type { RempartConfig } from '../../config/schema';
import { AccessLogsBucket } from '../../constructs/access-logs-bucket/access-logs-bucket';
import { DataKey } from '../../constructs/data-key/data-key';
import {
  GlobalTableConsistency,
  GlobalTableStore,
} from '../../constructs/global-table-store/global-table-store';
import { ReplicatedBucket } from '../../constructs/replicated-bucket/replicated-bucket';
import { RempartStack, type RempartStackProps } from '../../platform/rempart-stack';

/** Props of {@link BookingDataStack}, one per application Region. */
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
    identityKeyAlias: `alias/${prefix}-${config.service.stage}/booking-identity`,
    /** The site bucket of a Region: bucket names are global, so account and Region make it unique. */
    siteBucketName: (account: string, region: string) =>
      `${prefix}-${config.service.stage}-booking-site-${account}-${region}`,
  };
}

/**
 * Stateful booking resources of one Region: the booking table (declared in the primary as an MRSC
 * global table with a replica here in the secondary and a witness in the third Region; imported by
 * name in the secondary), its customer-managed key, the static front-end bucket, and the
 * person-key pepper (a generated secret declared in the primary, replicated to the secondary, each
 * copy under its own Region's identity key).
 *
 * Deploy order (see rempart-app.ts): secondary data → primary data → APIs, because the primary's
 * table and bucket name the secondary's key aliases and bucket.
 */
export class BookingDataStack extends RempartStack {
  /** Whether this Region declares the global table (`props.isPrimary`). */
  public readonly isPrimary: boolean;
  /** Customer-managed key for this Region's booking data at rest. */
  public readonly dataKey: kms.IKey;
  /** This Region's replica of the booking table. */
  public readonly table: dynamodb.ITableV2;
  /** The global table construct; defined in the primary Region only. */
  public readonly store?: GlobalTableStore;
  /** Name of the booking table, the same in every Region. */
  public readonly tableName: string;
  /** Static front end, served by CloudFront through origin access control. */
  public readonly siteBucket: s3.IBucket;
  /** Key of the site bucket; CloudFront may decrypt with it (OAC over SSE-KMS). */
  public readonly siteKey: kms.IKey;
  /** This Region's key of the person-key pepper (usable through Secrets Manager only). */
  public readonly identityKey: kms.IKey;
  /** The pepper secret; declared in the primary Region only (the secondary holds its replica). */
  public readonly pepperSecret?: secretsmanager.Secret;
  /** Name of the pepper secret, the same in both Regions. */
  public readonly pepperSecretName: string;

  constructor(scope: Construct, id: string, props: BookingDataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    this.isPrimary = props.isPrimary;
    const { config } = props;
    const names = bookingNames(config);
    const otherRegion = props.isPrimary ? config.regions.secondary : config.regions.primary;

    this.dataKey = new DataKey(this, 'DataKey', {
      description: `Rempart booking data at rest, ${this.region}`,
      alias: names.dataKeyAlias,
      // The table and the queues hold booking data; nothing else may use this key.
      services: ['dynamodb', 'sqs'],
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

    // The pepper of person keys (lambda/identity): generated by Secrets Manager, never in a template,
    // readable by the authorizers only. Declared once, replicated: both Regions derive the same keys.
    this.identityKey = new DataKey(this, 'IdentityKey', {
      description: `Rempart booking person-key pepper, ${this.region}`,
      alias: names.identityKeyAlias,
      services: ['secretsmanager'],
    }).key;
    this.pepperSecretName = config.booking.identity.pepperSecretName;
    if (props.isPrimary) {
      this.pepperSecret = new secretsmanager.Secret(this, 'PersonPepper', {
        secretName: this.pepperSecretName,
        description:
          'Pepper of booking person keys: HMAC-SHA256(pepper, issuer + newline + subject). Never rotate by hand (docs/booking.md).',
        encryptionKey: this.identityKey,
        generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
        replicaRegions: [
          {
            region: otherRegion,
            encryptionKey: kms.Key.fromKeyArn(
              this,
              'ReplicaIdentityKey',
              GlobalTableStore.keyAliasArn(this, otherRegion, names.identityKeyAlias),
            ),
          },
        ],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const rotationReason =
        'The pepper keys an HMAC of every person identity: rotating it changes every person key at once and would let each person book again. Its value is generated by Secrets Manager, readable only by the two authorizer roles, and re-keying is a planned operation (docs/booking.md).';
      acknowledge(
        this.pepperSecret,
        { id: 'AwsSolutions-SMG4', reason: rotationReason },
        { id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason: rotationReason },
        { id: 'HIPAA.Security-SecretsManagerRotationEnabled', reason: rotationReason },
      );
    }

    this.siteKey = new DataKey(this, 'SiteKey', {
      description: `Rempart booking static front end, ${this.region}`,
      alias: names.siteKeyAlias,
      services: ['s3'],
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
