import { Annotations, Duration, SecretValue } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { RempartConfig } from '../../config/schema';
import type { PathRoute, Route } from '../../constructs/resilient-distribution/resilient-distribution';
import type {
  ComposedWorkload,
  Workload,
  WorkloadContext,
  WorkloadEdgeSpec,
  WorkloadRegion,
} from '../../platform/workload';
import { BookingApiStack } from './api-stack';
import { BookingDataStack } from './data-stack';

export * from './api-stack';
export * from './capacity';
export * from './config';
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
          apis: [
            { workload: 'Booking', restApi: api.restApi, stageName: api.restApi.deploymentStage.stageName },
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

function bookingRoutes(
  scope: Construct,
  config: RempartConfig,
  regions: readonly BookingEdgeOrigin[],
): { defaultRoute: Route; routes: PathRoute[] } {
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
  return {
    defaultRoute: {
      kind: 'static',
      origin: site(primary, 'PrimarySiteBucket'),
      fallbackOrigin: secondary ? site(secondary, 'SecondarySiteBucket') : undefined,
    },
    routes: [
      // Writes first: CloudFront matches behaviours in order and "/api/*" would catch them.
      ...edge.booking.paths.writes.map((pathPattern): PathRoute => ({
        pathPattern,
        kind: 'write',
        origin: writeOrigin,
      })),
      {
        pathPattern: edge.booking.paths.api,
        kind: 'read',
        origin: api(primary),
        fallbackOrigin: secondary ? api(secondary) : undefined,
      },
    ],
  };
}
