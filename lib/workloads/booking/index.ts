import { Annotations, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { RempartConfig } from '../../config/schema';
import {
  ADMISSION_API_PREFIX,
  ADMISSION_STATUS_PATH,
  ADMISSION_TICKET_PATH_PREFIX,
  WAITING_PAGE_PREFIX,
} from '../../constructs/admission-control/contract';
import { AdmissionEdgeGate } from '../../constructs/admission-control/edge/admission-edge-gate';
import {
  AdmissionFailOpenSwitch,
  type FailOpenRegionSignals,
} from '../../constructs/admission-control/edge/admission-fail-open-switch';
import { waitingPageObjects } from '../../constructs/admission-control/edge/waiting-page/waiting-page';
import { GlobalTableStore } from '../../constructs/global-table-store/global-table-store';
import type {
  PathRoute,
  Route,
  ViewerRequestFunction,
} from '../../constructs/resilient-distribution/resilient-distribution';
import { EdgeStack } from '../../platform/edge-stack';
import type {
  ComposedWorkload,
  Workload,
  WorkloadContext,
  WorkloadEdgeSpec,
  WorkloadRegion,
} from '../../platform/workload';
import { BookingApiStack, bookingAdmissionNames } from './api-stack';
import { BookingDataStack, bookingNames } from './data-stack';

export * from './api-stack';
export * from './capacity';
// Not the zod schemas of ./config (`bookingSurgeSchema`, `bookingSectionFields`, …): the validated
// configuration is read through `RempartConfig` / `BookingSection`, and docs/configuration.md documents
// each field.
export { bookingDefaults, type BookingSection } from './config';
export * from './data-stack';

/** The booking workload's stacks in one application Region. */
export interface BookingRegion extends WorkloadRegion {
  readonly data: BookingDataStack;
  readonly api: BookingApiStack;
}

/** Booking (the vaccination case): static front end, cached reads, queue-backed writes, global table. */
export const bookingWorkload: Workload = {
  id: 'Booking',
  tag: 'booking',
  compose(ctx: WorkloadContext): ComposedWorkload {
    const { app, config } = ctx;
    const regions = ctx.regions.map((region, i): BookingRegion => {
      const isPrimary = i === 0;
      const data = new BookingDataStack(app, ctx.stackName('Data', region), {
        config,
        isPrimary,
        env: ctx.env(region),
        description: `Rempart booking: stateful resources in ${region}`,
      });
      const api = new BookingApiStack(app, ctx.stackName('Api', region), {
        config,
        data,
        env: ctx.env(region),
        description: `Rempart booking: API, queue and worker in ${region}`,
      });
      api.addStackDependency(data);
      return {
        region,
        isPrimary,
        data,
        api,
        stacks: [data, api],
        statefulStacks: [data],
        originStacks: [api],
        resilience: {
          backedUp: {
            tableNames: [bookingNames(config).tableName],
            bucketNames: [bookingNames(config).siteBucketName(data.account, region)],
          },
          apis: [
            {
              workload: 'Booking',
              restApi: api.restApi,
              stageName: api.restApi.deploymentStage.stageName,
              // The write method queues a schema-checked body into SQS: its 5xx are SQS/KMS/IAM
              // faults, never a client's doing (a bad body is a 4xx), so their share is a health signal.
              healthMethods: [{ resourcePath: '/api/bookings', method: 'POST' }],
            },
          ],
          // Whatever the traffic, every minute: the Region's read path through its own API stage
          // (regional web ACL, function, table) and a canary-only write to the table (the MRSC
          // quorum). The heartbeat is one reserved item per Region, never a booking.
          probes: [
            {
              workload: 'Booking',
              checks: [
                {
                  name: 'read',
                  url: api.restApi.urlForPath('/api/progress'),
                  originHeader: { name: api.apiOrigin.headerName, secret: api.apiOrigin.secret },
                },
              ],
              heartbeat: {
                table: api.table,
                partitionKey: { name: 'pk', value: 'rempart#probe' },
                sortKey: { name: 'sk', value: region },
              },
            },
          ],
          queues: [
            {
              workload: 'Booking',
              label: 'Bookings',
              queue: api.queue,
              deadLetterQueue: api.deadLetterQueue,
            },
          ],
          functions: [
            {
              workload: 'Booking',
              label: 'Worker',
              function: api.worker.function,
              timeout: Duration.seconds(api.settings.workerTimeoutSeconds),
            },
          ],
          tables: [
            {
              workload: 'Booking',
              label: 'Bookings',
              table: api.table,
              replicaRegions: ctx.regions.filter((r) => r !== region),
            },
          ],
          // The write name is made by the resilience stack, so that every critical alarm of the
          // Region drives it (the API's RegionalApiOrigin runs with `writeRecord: false`).
          originRecord: {
            recordName: `${config.edge.booking.originLabel}.${config.booking.domainName}`,
            target: api.apiOrigin.domain.domainNameAliasDomainName,
          },
          queueWorkers: [api.worker.function],
          faultConfigLocationArn: api.faultConfigLocationArn,
          // The waiting room's stuck cursor and dead letters page the Region's topic; they are not a
          // Region-health signal (a stuck cursor fails the gate open, it does not evacuate the Region).
          paged: api.admission
            ? [
                {
                  label: 'WaitingRoom',
                  alarms: api.admission.alarms,
                  widgets: api.admission.dashboardWidgets,
                },
              ]
            : undefined,
        },
      };
    });
    // The primary declares the global table with a replica under the secondary's key alias and
    // replicates the site bucket into the secondary's; the secondary's API needs that replica.
    const [primary, ...others] = regions;
    for (const other of others) {
      primary.data.addStackDependency(other.data);
      other.api.addStackDependency(primary.data);
    }
    return {
      id: 'Booking',
      tag: 'booking',
      regions,
      edge: bookingEdgeSpec(
        config,
        regions.map((r) => ({
          region: r.region,
          restApi: r.api.restApi,
          siteBucketName: r.data.siteBucket.bucketName,
          originHeaderName: r.api.apiOrigin.headerName,
          originSecretName: r.api.apiOrigin.secretName,
          admissionSignals: r.api.admission?.failOpenRegion,
        })),
      ),
    };
  },
};

/** The booking stacks of a composed app, primary first (typed access for tests and tools). */
export function bookingRegions(workload: ComposedWorkload | undefined): readonly BookingRegion[] {
  if (!workload || workload.id !== 'Booking') throw new Error('the app has no booking workload');
  return workload.regions as readonly BookingRegion[];
}

/** What the edge needs from the booking workload in one application Region. */
export interface BookingEdgeOrigin {
  readonly region: string;
  /** The Region's REST API (reads are served from its deployment stage). */
  readonly restApi: apigateway.RestApiBase;
  /** The Region's static front-end bucket; its own policy lets this account's distributions read. */
  readonly siteBucketName: string;
  /** Header the Region's web ACL requires (`RegionalApiOrigin.headerName`). */
  readonly originHeaderName: string;
  /** Secrets Manager name of the header value, replicated to us-east-1 (`RegionalApiOrigin.secretName`). */
  readonly originSecretName: string;
  /**
   * The Region's waiting-room alarms (`AdmissionControl.failOpenRegion`), read by the edge fail-open
   * switch. The switch is made only when every Region gives them.
   * @default - none: no alarm-driven switch (fail open by hand, docs/runbooks/opening-day.md)
   */
  readonly admissionSignals?: FailOpenRegionSignals;
}

/**
 * Static site (S3, replica fallback), micro-cached reads (API, other Region fallback), writes (the
 * health-checked failover name), over the given Regions, primary first.
 */
export function bookingEdgeSpec(
  config: RempartConfig,
  regions: readonly BookingEdgeOrigin[],
): WorkloadEdgeSpec {
  return {
    domainName: config.booking.domainName,
    settings: config.edge.booking,
    routing: (scope) => bookingRoutes(scope, config, regions),
    // The S3 origins raise it while binding, on their own nodes: acknowledge it where it was raised.
    afterDistribution: (distribution) => {
      for (const node of distribution.node.findAll()) {
        Annotations.of(node).acknowledgeWarning(
          '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
          "Each site bucket's own policy, in its Region's data stack, lets cloudfront.amazonaws.com read objects for this account's distributions; the edge stack deploys last and must not edit it.",
        );
      }
    },
  };
}

/** Id of the booking waiting room's edge gate in the edge stack. */
export const BOOKING_ADMISSION_GATE_ID = 'BookingAdmissionGate';
/** Id of the booking waiting room's alarm-driven fail-open switch in the edge stack. */
export const BOOKING_FAIL_OPEN_SWITCH_ID = 'BookingAdmissionFailOpen';

/**
 * The waiting room's edge half (when `booking.waitingRoom.enabled`): the gate, its routes (status and
 * tickets cached at the edge, join/enter/position uncached to the write origin, the static page) and
 * the behaviours it runs on.
 */
function bookingWaitingRoom(
  scope: Construct,
  config: RempartConfig,
  regions: readonly BookingEdgeOrigin[],
  origins: { read: Route; write: cloudfront.IOrigin },
): { routes: PathRoute[]; viewerRequest: ViewerRequestFunction } {
  const edgeStack = Stack.of(scope);
  if (!(edgeStack instanceof EdgeStack)) {
    throw new Error(
      `booking edge routing: ${scope.node.path} is not in an EdgeStack, but the waiting room publishes its page into the edge stack's page bucket. Fix: compose the booking edge spec with EdgeStack, or set booking.waitingRoom.enabled to false`,
    );
  }
  const writes = config.edge.booking.paths.writes;
  // The booking write itself (POST on the collection path). Item paths ("/*": a person's outcome and
  // cancellations) stay ungated: they serve people already admitted, whose cookie may have lapsed.
  const gatedWrites = writes.filter((p) => !/[*?]/.test(p));
  if (gatedWrites.length === 0) {
    throw new Error(
      `booking.waitingRoom: edge.booking.paths.writes (${writes.join(', ')}) has no exact path to gate. Fix: list the booking collection path, e.g. "/api/bookings"`,
    );
  }
  const names = bookingAdmissionNames(config);
  const gate = new AdmissionEdgeGate(scope, BOOKING_ADMISSION_GATE_ID, {
    eventId: config.booking.waitingRoom.eventId,
    protectedPaths: [
      // Writes fail open: they still go through the booking queue, so failing open is a backlog.
      ...gatedWrites.map((pathPattern) => ({
        pathPattern,
        pathClass: 'booking-writes',
        onFailure: 'open' as const,
      })),
      // Pages fail open too, deliberately: they are static files cached at the edge, and failing
      // closed would show the whole crowd a waiting room that never moves (the 2021 blank site).
      { pathPattern: '/*', pathClass: 'booking-pages', onFailure: 'open' },
    ],
    currentKid: names.currentKid,
    secretNamePrefix: names.secretNamePrefix,
    // Each Region signs cookies with its replica, encrypted with that Region's identity key (by alias).
    signingKeyReplicas: regions.map((r, i) => ({
      region: r.region,
      encryptionKey: kms.Key.fromKeyArn(
        scope,
        `BookingAdmissionReplicaKey${i}`,
        GlobalTableStore.keyAliasArn(scope, r.region, names.replicaKeyAlias),
      ),
    })),
    logEncryptionKey: edgeStack.logKey,
  });
  const signals = regions.flatMap((r) => (r.admissionSignals ? [r.admissionSignals] : []));
  if (signals.length > 0 && signals.length < regions.length) {
    throw new Error(
      `booking edge routing: only ${signals.map((s) => s.region).join(', ')} of ${regions.map((r) => r.region).join(', ')} give the waiting room's alarms, but the fail-open switch needs every Region's. Fix: give admissionSignals for every Region, or for none`,
    );
  }
  if (signals.length > 0) {
    // Next to the gate: its store is what the switch writes. The Regions forward their alarm state
    // changes to its bus by name (bookingAdmissionNames), since this stack deploys after them.
    new AdmissionFailOpenSwitch(scope, BOOKING_FAIL_OPEN_SWITCH_ID, {
      gate,
      regions: signals,
      eventBusName: names.failOpenEventBusName,
      alarmAction: new cloudwatchActions.SnsAction(edgeStack.alarmTopic),
      logEncryptionKey: edgeStack.logKey,
    });
  }
  const page = edgeStack.addStaticPages('BookingWaitingPage', waitingPageObjects());
  const base = ADMISSION_API_PREFIX.replace(/\/$/, '');
  return {
    routes: [
      // Everyone's poll: the same document, cached at the edge for the origin's max-age (2 s, under
      // the read micro-cache's maximum); no query string, cookie or header in the key.
      { ...origins.read, pathPattern: ADMISSION_STATUS_PATH, queryParameters: [] },
      // A ticket's position never changes once given: cached as long as the read micro-cache allows.
      { ...origins.read, pathPattern: `${ADMISSION_TICKET_PATH_PREFIX}*`, queryParameters: [] },
      // join, enter, position: personal (ticket cookie, body), never cached, to the write origin.
      { pathPattern: `${base}/*`, kind: 'write', origin: origins.write },
      { pathPattern: `${WAITING_PAGE_PREFIX}*`, kind: 'static', origin: page },
    ],
    viewerRequest: { function: gate.function, pathPatterns: gatedWrites, defaultRoute: true },
  };
}

function bookingRoutes(
  scope: Construct,
  config: RempartConfig,
  regions: readonly BookingEdgeOrigin[],
): { defaultRoute: Route; routes: PathRoute[]; viewerRequest?: ViewerRequestFunction } {
  const edge = config.edge;
  // Every API origin sends every Region's header: the write origin's name may resolve to either.
  const originHeaders = Object.fromEntries(
    regions.map((r) => [r.originHeaderName, SecretValue.secretsManager(r.originSecretName).unsafeUnwrap()]),
  );
  const [primary, secondary] = regions;
  const site = (r: BookingEdgeOrigin, id: string) =>
    // Imported by name: its bucket policy lives with the bucket, in the Region's data stack.
    origins.S3BucketOrigin.withOriginAccessControl(
      s3.Bucket.fromBucketAttributes(scope, id, { bucketName: r.siteBucketName, region: r.region }),
    );
  const api = (r: BookingEdgeOrigin) =>
    new origins.RestApiOrigin(r.restApi, { customHeaders: originHeaders, readTimeout: Duration.seconds(10) });
  const writeOrigin = new origins.HttpOrigin(`${edge.booking.originLabel}.${config.booking.domainName}`, {
    protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
    originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    customHeaders: originHeaders,
    readTimeout: Duration.seconds(10),
  });
  // One origin per Region's API, shared by every read behaviour.
  const read: Route = {
    kind: 'read',
    origin: api(primary),
    fallbackOrigin: secondary ? api(secondary) : undefined,
  };
  const waitingRoom = config.booking.waitingRoom.enabled
    ? bookingWaitingRoom(scope, config, regions, { read, write: writeOrigin })
    : undefined;
  return {
    defaultRoute: {
      kind: 'static',
      origin: site(primary, 'PrimarySiteBucket'),
      fallbackOrigin: secondary ? site(secondary, 'SecondarySiteBucket') : undefined,
    },
    viewerRequest: waitingRoom?.viewerRequest,
    routes: [
      // Writes first: CloudFront matches behaviours in order and "/api/*" would catch them.
      ...edge.booking.paths.writes.map((pathPattern): PathRoute => ({
        pathPattern,
        kind: 'write',
        origin: writeOrigin,
      })),
      ...(waitingRoom?.routes ?? []),
      {
        ...read,
        pathPattern: edge.booking.paths.api,
        // The read handlers take no query parameter: none is in the cache key, so `?r=<random>`
        // is a cache hit, never a trip to the read functions.
        queryParameters: [],
      },
    ],
  };
}
