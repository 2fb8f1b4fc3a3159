import { ArnFormat, Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  BOOKING_REQUEST_SCHEMA,
  MAX_BOOKING_BODY_LENGTH,
  REQUEST_ID_PATTERN,
} from '../../../lambda/booking/domain/model';
import { LIMITS_ENVIRONMENT } from '../../../lambda/booking/handlers/write-authorizer';
import { OIDC_ENVIRONMENT } from '../../../lambda/identity/domain/oidc-settings';
import { acknowledge } from '../../compliance/acknowledge';
import { AdmissionControl } from '../../constructs/admission-control/admission-control';
import type { AdmissionKid } from '../../constructs/admission-control/contract';
import { CAPACITY_HEADROOM, HEALTH_RESERVED_CONCURRENCY, type BookingSettings } from './capacity';
import { FaultConfigBucket } from '../../constructs/chaos-experiments/fault-config-bucket';
import { LogEncryptionKey } from '../../constructs/log-encryption-key/log-encryption-key';
import { OidcAuthorizer, OidcAuthorizerKind } from '../../constructs/oidc-authorizer/oidc-authorizer';
import { QueueBackedWriteApi } from '../../constructs/queue-backed-write-api/queue-backed-write-api';
import { RegionalApiOrigin } from '../../constructs/resilient-distribution/regional-api-origin';
import { InvocationKind, RempartFunction } from '../../constructs/rempart-function/rempart-function';
import { lambdaEntry } from '../../lambda-entry';
import type { RempartConfig } from '../../config/schema';
import { bookingNames, type BookingDataStack } from './data-stack';
import { RempartStack, type RempartStackProps } from '../../platform/rempart-stack';

/** Physical name of a Region's FIS fault configuration bucket (S3 names are global). */
export function faultConfigBucketName(config: RempartConfig, account: string, region: string): string {
  return `${config.service.name.toLowerCase()}-${config.service.stage}-fis-${account}-${region}`;
}

/**
 * Names both halves of the booking waiting room derive from configuration, so that the Regions and the
 * edge stack (which deploys last) meet without a cross-stack reference: the edge gate's signing-key
 * secrets (replicated into each Region under the same name, encrypted there with the booking identity
 * key, which only Secrets Manager may use) and the slot new cookies are signed with.
 */
export function bookingAdmissionNames(config: RempartConfig) {
  const prefix = `${config.service.name.toLowerCase()}-${config.service.stage}/booking/admission`;
  // Rotation (docs/waiting-room.md, "Signing keys") changes this one value: both halves read it.
  const currentKid: AdmissionKid = 'a';
  return {
    secretNamePrefix: prefix,
    /**
     * Name of one slot's secret: the edge gate names it `<secretNamePrefix>/signing-key-<kid>`, and
     * each Region imports its replica by this name, since no reference can cross to the edge stack.
     */
    signingKeySecretName: (kid: AdmissionKid) => `${prefix}/signing-key-${kid}`,
    currentKid,
    replicaKeyAlias: bookingNames(config).identityKeyAlias,
    // The edge fail-open switch's bus (us-east-1): each Region forwards its alarm state changes there.
    failOpenEventBusName: `${config.service.name.toLowerCase()}-${config.service.stage}-booking-admission-failopen`,
  };
}

/** Name of a Region's composite health alarm (RegionalObservability, in the Region's resilience stack). */
export function regionHealthAlarmName(config: RempartConfig, region: string): string {
  return `${config.service.name}-${region}-RegionHealth`;
}

/**
 * The DynamoDB actions each booking function issues (lambda/booking/adapters), and nothing else: no
 * Scan, batch or stream action, all within the MRSC-allowed operations (adapters/dynamodb.ts).
 */
export const BOOKING_TABLE_ACTIONS = {
  /** DynamoBookingStore (conditional updates only, no read) and CatalogueStore.advanceProgress. */
  worker: ['dynamodb:UpdateItem'],
  /** AdmissionStore: one read and one conditional update of the person's counters. */
  writeAuthorizer: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  /** CatalogueStore.listCentres / listSlots. */
  catalogue: ['dynamodb:Query'],
  /** CatalogueStore.personDecision / listProgress. */
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
 * Routes: POST /api/bookings and DELETE /api/bookings/{requestId} (202, queued; the write
 * authorizer verifies the ID token and applies per-identity limits) · GET /api/bookings/{requestId}
 * (the read authorizer; personal, never shared-cached) · GET /api/progress · GET /api/centres ·
 * GET /api/centres/{centreId}/slots · GET /api/health (public).
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
  /** Verifies ID tokens and applies per-identity limits on every write (never cached). */
  public readonly writeAuthorizer: OidcAuthorizer;
  /** Verifies ID tokens for personal reads (cached per token). */
  public readonly readAuthorizer: OidcAuthorizer;
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
   * The waiting room's origin half in this Region (routes under /admission/ of `restApi`, items
   * under ADM#<eventId> of the booking table), when `booking.waitingRoom.enabled`.
   * @default - undefined: no waiting room
   */
  public readonly admission?: AdmissionControl;
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

    // The pepper's replica in this Region, by name; its key is granted by IAM (OidcAuthorizer.pepperKey).
    const identity = config.booking.identity;
    const pepperSecret = secretsmanager.Secret.fromSecretNameV2(this, 'PersonPepper', data.pepperSecretName);
    const oidc = {
      issuer: identity.issuer,
      audience: identity.audience,
      jwksUrl: identity.jwksUrl,
      algorithms: identity.algorithms,
      clockToleranceSeconds: identity.clockToleranceSeconds,
      pepperSecret,
      pepperKey: data.identityKey,
      logEncryptionKey: this.logKey,
    };
    this.readAuthorizer = new OidcAuthorizer(this, 'ReadAuthorizer', {
      ...oidc,
      kind: OidcAuthorizerKind.TOKEN,
      resultsCacheTtl: Duration.seconds(identity.readCacheSeconds),
      reservedConcurrentExecutions: settings.readAuthorizerReservedConcurrency,
      description: 'Verifies ID tokens of personal reads and derives the person key (cached per token)',
    });
    const limits = config.booking.limits;
    this.writeAuthorizer = new OidcAuthorizer(this, 'WriteAuthorizer', {
      ...oidc,
      kind: OidcAuthorizerKind.REQUEST,
      entry: lambdaEntry('booking/handlers/write-authorizer'),
      reservedConcurrentExecutions: settings.writeAuthorizerReservedConcurrency,
      description: 'Verifies ID tokens of writes, derives the person key and applies per-identity limits',
      environment: {
        TABLE_NAME: data.tableName,
        ...Object.fromEntries(
          Object.entries(LIMITS_ENVIRONMENT).map(([field, name]) => [
            name,
            String(limits[field as keyof typeof limits]),
          ]),
        ),
      },
    });

    this.writeApi = new QueueBackedWriteApi(this, 'Bookings', {
      apiName: `${config.service.name}-${config.service.stage}-booking`,
      description: `Rempart booking API, ${this.region}`,
      writePath: 'api/bookings',
      progressPath: '/api/progress',
      requestSchema: BOOKING_REQUEST_SCHEMA as unknown as apigateway.JsonSchema,
      maxBodyLength: MAX_BOOKING_BODY_LENGTH,
      writeAuthorization: {
        authorizer: this.writeAuthorizer.authorizer,
        // The person comes from the verified token, never from the body.
        contextAttributes: ['personKey'],
        requestIdPrefix: 'requestTag',
        deniedStatusCode: 429,
      },
      deleteRoute: { pathParameter: 'requestId', idPattern: REQUEST_ID_PATTERN },
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
    grantTable(
      this.table,
      this.writeAuthorizer.function,
      BOOKING_TABLE_ACTIONS.writeAuthorizer,
      KEY_WRITE_ACTIONS,
    );
    for (const role of [this.worker.role, this.writeAuthorizer.function.role]) {
      acknowledge(
        role,
        { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: kmsReason },
        { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: kmsReason },
      );
    }

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
      description:
        "The signed-in person's booking outcome by request id (private), and the shared progress cursor (cacheable)",
      invocation: InvocationKind.SYNCHRONOUS,
      reservedConcurrentExecutions: settings.statusReservedConcurrency,
      logEncryptionKey: this.logKey,
      environment: {
        TABLE_NAME: data.tableName,
        // Refuses a cached read authorization whose token expired since (same tolerance as the authorizers).
        [OIDC_ENVIRONMENT.clockToleranceSeconds]: String(identity.clockToleranceSeconds),
      },
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
    // Personal: the read authorizer puts the person in the request context.
    const itemResource = this.writeApi.itemResource ?? this.writeApi.writeResource.addResource('{requestId}');
    itemResource.addMethod('GET', new apigateway.LambdaIntegration(this.statusFunction.function), {
      authorizer: this.readAuthorizer.authorizer,
    });
    get(root.addResource('progress'), this.statusFunction);
    get(root.addResource('health'), this.healthFunction);

    const waitingRoom = config.booking.waitingRoom;
    if (waitingRoom.enabled) {
      const names = bookingAdmissionNames(config);
      const regions = [config.regions.primary, config.regions.secondary];
      this.admission = new AdmissionControl(this, 'Admission', {
        eventId: waitingRoom.eventId,
        openingAt: config.booking.surge.openingAt,
        // The pace the worker absorbs in people (its bookings/s over the writes each person brings),
        // and the whole crowd joining: both derived from the surge profile, never typed in.
        admitPerSecond: settings.capacity.admittedPeoplePerSecond,
        peakJoinsPerSecond: settings.capacity.joinsPerSecond,
        restApi: this.restApi,
        table: this.table,
        regions,
        cohorts: waitingRoom.cohorts.map((c) => ({ id: c.id, delay: Duration.minutes(c.delayMinutes) })),
        noShowAfter: Duration.minutes(waitingRoom.noShowMinutes),
        signingKey: AdmissionControl.signingKeyReplica(this, 'AdmissionSigningKey', {
          secretName: names.signingKeySecretName(names.currentKid),
          kid: names.currentKid,
          // The replica's key here: the identity key, usable through Secrets Manager only. Imported, so
          // the grant stays in this stack's role policy (the key's own policy would make a cycle).
          encryptionKey: kms.Key.fromKeyArn(this, 'AdmissionSigningKeyKey', data.identityKey.keyArn),
        }),
        // The crowd's joins with the same headroom as every other derived throttle (a forecast off by half).
        joinThrottle: {
          rateLimit: Math.ceil(settings.capacity.joinsPerSecond * CAPACITY_HEADROOM),
          burstLimit: Math.min(
            config.booking.quotas.apiGatewayBurst,
            Math.ceil(settings.capacity.joinsPerSecond * CAPACITY_HEADROOM),
          ),
        },
        accountBurstQuota: config.booking.quotas.apiGatewayBurst,
        queueKey: data.dataKey,
        logEncryptionKey: this.logKey,
        // By name: the edge stack, which holds the switch and its bus, deploys after this one.
        failOpenEventBusArn: this.formatArn({
          service: 'events',
          region: config.regions.edge,
          resource: 'event-bus',
          resourceName: names.failOpenEventBusName,
        }),
        // By name: the health alarm lives in the Region's resilience stack, which depends on this one.
        regionUnhealthyAlarmArns: [
          this.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: regionHealthAlarmName(config, this.region),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      });
    }
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
