import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { BOOKING_REQUEST_SCHEMA } from '../../../lambda/booking/domain/model';
import { acknowledge } from '../../compliance/acknowledge';
import { HEALTH_RESERVED_CONCURRENCY, type BookingSettings } from './capacity';
import { FaultConfigBucket } from '../../constructs/chaos-experiments/fault-config-bucket';
import { LogEncryptionKey } from '../../constructs/log-encryption-key/log-encryption-key';
import { QueueBackedWriteApi } from '../../constructs/queue-backed-write-api/queue-backed-write-api';
import { RegionalApiOrigin } from '../../constructs/resilient-distribution/regional-api-origin';
import { InvocationKind, RempartFunction } from '../../constructs/rempart-function/rempart-function';
import { lambdaEntry } from '../../lambda-entry';
import type { RempartConfig } from '../../config/schema';
import type { BookingDataStack } from './data-stack';
import { RempartStack, type RempartStackProps } from '../../platform/rempart-stack';

/** Physical name of a Region's FIS fault configuration bucket (S3 names are global). */
export function faultConfigBucketName(config: RempartConfig, account: string, region: string): string {
  return `${config.service.name.toLowerCase()}-${config.service.stage}-fis-${account}-${region}`;
}

/**
 * The DynamoDB actions each booking function issues (lambda/booking/adapters), and nothing else: no
 * Scan, batch or stream action, all within the MRSC-allowed operations (adapters/dynamodb.ts).
 */
export const BOOKING_TABLE_ACTIONS = {
  /** DynamoBookingStore (get, conditional put/update/delete) and CatalogueStore.advanceProgress (update). */
  worker: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  /** CatalogueStore.listCentres / listSlots. */
  catalogue: ['dynamodb:Query'],
  /** CatalogueStore.getOutcome / listProgress. */
  status: ['dynamodb:GetItem', 'dynamodb:Query'],
} as const;

/** What DynamoDB needs on the table's customer-managed key to read, and to write (CDK's table grants). */
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = [...KEY_READ_ACTIONS, 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** Exact table actions on the table (and its key, when customer-managed) to one function. */
function grantTable(
  table: dynamodb.ITableV2,
  fn: RempartFunction,
  actions: readonly string[],
  keyActions: readonly string[],
): void {
  table.grant(fn.function, ...actions);
  table.encryptionKey?.grant(fn.function, ...keyActions);
}

export interface BookingApiStackProps extends RempartStackProps {
  /** Same-Region stateful stack this one reads from. */
  readonly data: BookingDataStack;
}

/**
 * Stateless booking resources of one Region: the regional REST API (writes queued by a service
 * integration, reads served by small functions with cache headers), the queue, its DLQ, the worker.
 *
 * Routes: POST /api/bookings (202, queued) · GET /api/bookings/{requestId} · GET /api/progress ·
 * GET /api/centres · GET /api/centres/{centreId}/slots · GET /api/health.
 *
 * `apiOrigin` makes the API answer only requests that came through CloudFront (a REGIONAL web ACL
 * requiring the origin secret header) and gives the write path its regional name and failover record.
 */
export class BookingApiStack extends RempartStack {
  /** Shared key of every log group in this stack. */
  public readonly logKey: kms.IKey;
  public readonly healthFunction: RempartFunction;
  /** Regional REST API (stage "v1", explicit throttling); CloudFront fronts it. */
  public readonly restApi: apigateway.RestApi;
  public readonly queue: sqs.IQueue;
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly worker: RempartFunction;
  public readonly catalogueFunction: RempartFunction;
  public readonly statusFunction: RempartFunction;
  public readonly writeApi: QueueBackedWriteApi;
  /** This Region's replica of the booking table. */
  public readonly table: dynamodb.ITableV2;
  /** Origin verification (regional web ACL), write-path domain and failover record of this Region. */
  public readonly apiOrigin: RegionalApiOrigin;
  /** Capacity settings derived from the surge profile. */
  public readonly settings: BookingSettings;
  /** Where AWS FIS writes Lambda fault configuration in this Region (one bucket per Region). */
  public readonly faultConfig: FaultConfigBucket;
  /**
   * The worker's AWS_FIS_CONFIGURATION_LOCATION, when this Region has a FIS Lambda extension layer
   * in `resilience.drills.lambdaExtensionLayerArns`; the Region's Lambda drills write there.
   * @default - undefined: no extension on the worker, no Lambda drill
   */
  public readonly faultConfigLocationArn?: string;

  constructor(scope: Construct, id: string, props: BookingApiStackProps) {
    super(scope, id, props);
    const { config, data } = props;
    const settings = config.booking.settings;
    this.settings = settings;
    this.table = data.table;
    this.logKey = new LogEncryptionKey(this, 'LogKey', {
      description: `Rempart Booking API and worker logs, ${this.region}`,
    }).key;

    // FIS Lambda drills need the FIS extension on the worker; its layer ARN is published by AWS per
    // Region and comes from configuration. The bucket exists either way (FIS needs one per Region).
    this.faultConfig = new FaultConfigBucket(this, 'FaultConfig', {
      bucketName: faultConfigBucketName(config, this.account, this.region),
    });
    const extensionLayerArn = config.resilience.drills.lambdaExtensionLayerArns[this.region];

    this.writeApi = new QueueBackedWriteApi(this, 'Bookings', {
      apiName: `${config.service.name}-${config.service.stage}-booking`,
      description: `Rempart booking API, ${this.region}`,
      writePath: 'api/bookings',
      progressPath: '/api/progress',
      requestSchema: BOOKING_REQUEST_SCHEMA as unknown as apigateway.JsonSchema,
      stageThrottle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
      accountBurstQuota: config.booking.quotas.apiGatewayBurst,
      writeThrottle: { rateLimit: settings.writeRateLimit, burstLimit: settings.writeBurstLimit },
      queueKey: data.dataKey,
      logEncryptionKey: this.logKey,
      maxReceiveCount: settings.maxReceiveCount,
      worker: {
        entry: lambdaEntry('booking/handlers/worker'),
        description: 'Drains booking requests into the booking table (one outcome per request)',
        maxConcurrency: settings.workerMaxConcurrency,
        reservedConcurrentExecutions: settings.workerReservedConcurrency,
        batchSize: settings.workerBatchSize,
        timeout: Duration.seconds(settings.workerTimeoutSeconds),
        environment: { TABLE_NAME: data.tableName },
        faultInjection: extensionLayerArn
          ? { extensionLayerArn, configLocation: this.faultConfig.location }
          : undefined,
      },
    });
    // Name-based, so the resilience stack's drill roles get it without a cross-stack export.
    this.faultConfigLocationArn = extensionLayerArn ? this.faultConfig.locationArn : undefined;
    this.restApi = this.writeApi.api;
    this.queue = this.writeApi.queue;
    this.deadLetterQueue = this.writeApi.deadLetterQueue;
    this.worker = this.writeApi.worker;
    grantTable(this.table, this.worker, BOOKING_TABLE_ACTIONS.worker, KEY_WRITE_ACTIONS);
    const kmsReason =
      'Granted on exactly one key ARN (this Region\'s booking data key, the table\'s customer-managed key): DynamoDB with a customer-managed key requires the kms:GenerateDataKey* and kms:ReEncrypt* families on the writing caller (AWS documentation, "Authorizing use of your KMS key"), and the key policy scopes use to this account.';
    acknowledge(
      this.worker.role,
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: kmsReason },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: kmsReason },
    );

    this.catalogueFunction = new RempartFunction(this, 'CatalogueFunction', {
      entry: lambdaEntry('booking/handlers/catalogue'),
      description: 'Lists centres and slots (cacheable)',
      invocation: InvocationKind.SYNCHRONOUS,
      reservedConcurrentExecutions: settings.catalogueReservedConcurrency,
      logEncryptionKey: this.logKey,
      environment: {
        TABLE_NAME: data.tableName,
        READ_CACHE_SECONDS: String(config.booking.readCacheSeconds),
      },
    });
    this.statusFunction = new RempartFunction(this, 'StatusFunction', {
      entry: lambdaEntry('booking/handlers/status'),
      description: 'Booking outcome by request id, and the shared progress cursor (cacheable)',
      invocation: InvocationKind.SYNCHRONOUS,
      reservedConcurrentExecutions: settings.statusReservedConcurrency,
      logEncryptionKey: this.logKey,
      environment: { TABLE_NAME: data.tableName },
    });
    grantTable(this.table, this.catalogueFunction, BOOKING_TABLE_ACTIONS.catalogue, KEY_READ_ACTIONS);
    grantTable(this.table, this.statusFunction, BOOKING_TABLE_ACTIONS.status, KEY_READ_ACTIONS);

    this.healthFunction = new RempartFunction(this, 'HealthFunction', {
      entry: lambdaEntry('health/handler'),
      description: 'Regional liveness of the booking compute path',
      invocation: InvocationKind.SYNCHRONOUS,
      reservedConcurrentExecutions: HEALTH_RESERVED_CONCURRENCY,
      logEncryptionKey: this.logKey,
    });

    // Every route under /api: CloudFront forwards /api/* unchanged (the site bucket serves the rest).
    const root = this.restApi.root.getResource('api') ?? this.restApi.root.addResource('api');
    const get = (resource: apigateway.IResource, fn: RempartFunction) =>
      resource.addMethod('GET', new apigateway.LambdaIntegration(fn.function));
    const centres = root.addResource('centres');
    get(centres, this.catalogueFunction);
    get(centres.addResource('{centreId}').addResource('slots'), this.catalogueFunction);
    get(this.writeApi.writeResource.addResource('{requestId}'), this.statusFunction);
    get(root.addResource('progress'), this.statusFunction);
    get(root.addResource('health'), this.healthFunction);
    this.writeApi.acknowledgePublicMethods();

    this.apiOrigin = new RegionalApiOrigin(this, 'Origin', {
      restApi: this.restApi,
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: config.dns.hostedZoneId,
        zoneName: config.dns.zoneName,
      }),
      writeDomainName: `${config.edge.booking.originLabel}.${config.booking.domainName}`,
      originVerify: config.edge.originVerify,
      logEncryptionKey: this.logKey,
      // The Region's resilience stack owns the write record: it follows every critical alarm of the
      // Region (5xx, queue age, worker errors), not only this API's error rate.
      writeRecord: false,
    });
  }
}
