import { Stack, type App } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { RempartConfig } from '../../lib/config/schema';
import { LogEncryptionKey } from '../../lib/constructs/log-encryption-key/log-encryption-key';
import { RegionalApiOrigin } from '../../lib/constructs/resilient-distribution/regional-api-origin';
import { EdgeKeyStack, EdgeStack } from '../../lib/platform/edge-stack';
import type { WorkloadEdgeSpec } from '../../lib/platform/workload';
import { bookingEdgeSpec } from '../../lib/workloads/booking';
import { testApp, testConfig } from '../helpers/synth';

export const ACCOUNT = '111111111111';

/** A stand-in for a booking API stack: a REST API with a read and a write path, and a site bucket. */
export function standInRegion(app: App, config: RempartConfig, region: string) {
  const stack = new Stack(app, `StandIn-${region}`, {
    env: { account: ACCOUNT, region },
    crossRegionReferences: true,
  });
  const restApi = new apigateway.RestApi(stack, 'Api', { cloudWatchRole: false });
  const integration = new apigateway.MockIntegration({ integrationResponses: [{ statusCode: '200' }] });
  const apiRes = restApi.root.addResource('api');
  apiRes.addResource('centres').addMethod('GET', integration, { methodResponses: [{ statusCode: '200' }] });
  apiRes.addResource('bookings').addMethod('POST', integration, { methodResponses: [{ statusCode: '200' }] });
  const siteBucket = new s3.Bucket(stack, 'Site');
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
    hostedZoneId: config.dns.hostedZoneId,
    zoneName: config.dns.zoneName,
  });
  const origin = new RegionalApiOrigin(stack, 'EdgeOrigin', {
    restApi,
    hostedZone,
    writeDomainName: `${config.edge.booking.originLabel}.${config.booking.domainName}`,
    originVerify: config.edge.originVerify,
    logEncryptionKey: new LogEncryptionKey(stack, 'LogKey').key,
  });
  return { stack, restApi, siteBucket, origin, region };
}

/** An app with two stand-in Regions and the real EdgeStack in front of them. */
export function edgeApp(overrides: unknown = {}) {
  const app = testApp();
  const config = testConfig(overrides);
  // The replica key must exist before the Regions' secrets replicate to us-east-1.
  const edgeKeys = new EdgeKeyStack(app, 'EdgeKeys', {
    config,
    env: { account: ACCOUNT, region: config.regions.edge },
  });
  const regions = [config.regions.primary, config.regions.secondary].map((r) =>
    standInRegion(app, config, r),
  );
  for (const r of regions) r.stack.addStackDependency(edgeKeys);
  const edge = new EdgeStack(app, 'Edge', {
    config,
    env: { account: ACCOUNT, region: config.regions.edge },
    workloads: [{ id: 'Booking', edge: standInBookingEdge(config, regions) }],
  });
  for (const r of regions) edge.addStackDependency(r.stack);
  return { app, config, regions, edge, edgeKeys };
}

/** The booking workload's own edge specification, over the stand-in Regions. */
function standInBookingEdge(
  config: RempartConfig,
  regions: readonly ReturnType<typeof standInRegion>[],
): WorkloadEdgeSpec {
  return bookingEdgeSpec(
    config,
    regions.map((r) => ({
      region: r.region,
      restApi: r.restApi,
      siteBucketName: r.siteBucket.bucketName,
      originHeaderName: r.origin.headerName,
      originSecretName: r.origin.secretName,
    })),
  );
}
