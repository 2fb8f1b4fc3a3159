import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type { ComposedWorkload, Workload, WorkloadContext, WorkloadRegion } from '../../platform/workload';
import { EntDataStack } from './data-stack';
import { EntServiceStack } from './service-stack';

export * from './capacity';
export * from './config';
export * from './data-stack';
export * from './service-stack';

/** The ENT workload's stacks in one application Region. */
export interface EntRegion extends WorkloadRegion {
  readonly data: EntDataStack;
  readonly service: EntServiceStack;
}

/** ENT (school digital workspace): a containerised web application over three AZs per Region. */
export const entWorkload: Workload = {
  id: 'Ent',
  tag: 'ent',
  compose(ctx: WorkloadContext): ComposedWorkload {
    const { app, config } = ctx;
    const regions = ctx.regions.map((region, i): EntRegion => {
      const isPrimary = i === 0;
      const data = new EntDataStack(app, ctx.stackName('Data', region), {
        config,
        isPrimary,
        env: ctx.env(region),
        description: `Rempart ENT: stateful resources in ${region}`,
      });
      const service = new EntServiceStack(app, ctx.stackName('Service', region), {
        config,
        data,
        env: ctx.env(region),
        description: `Rempart ENT: container service in ${region}`,
      });
      service.addStackDependency(data);
      return {
        region,
        isPrimary,
        data,
        service,
        stacks: [data, service],
        statefulStacks: [data],
        originStacks: [service],
        resilience: {
          queues: [
            {
              workload: 'Ent',
              label: 'Writes',
              queue: service.queue,
              deadLetterQueue: service.deadLetterQueue,
            },
          ],
          tables: [
            {
              workload: 'Ent',
              label: 'Sessions',
              table: data.sessionsTable,
              replicaRegions: ctx.regions.filter((r) => r !== region),
            },
          ],
          webServices: [
            {
              workload: 'Ent',
              loadBalancer: service.loadBalancer,
              targetGroup: service.web.targetGroup,
              service: service.service,
            },
          ],
          availabilityZones: config.ent.network.availabilityZones[region] ?? [],
        },
      };
    });
    // The primary's documents replicate into the secondary's bucket and its sessions table puts a
    // replica under the secondary's key alias; both must exist first.
    const [primary, ...others] = regions;
    for (const other of others) primary.data.addStackDependency(other.data);
    return {
      id: 'Ent',
      tag: 'ent',
      regions,
      edge: {
        domainName: config.ent.domainName,
        settings: config.edge.ent,
        /**
         * One dynamic web application behind internal load balancers, reached through VPC origins (no
         * public address, no secret). GET/HEAD/OPTIONS fail over to the other Region; other methods
         * reach the primary (VPC origins cannot sit behind a failover name).
         */
        routing: () => {
          const vpcOrigin = (r: EntRegion) =>
            origins.VpcOrigin.withApplicationLoadBalancer(r.service.loadBalancer, {
              domainName: r.service.originDomainName,
              protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
              originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
              readTimeout: Duration.seconds(30),
            });
          const [first, second] = regions;
          return {
            defaultRoute: {
              kind: 'dynamic',
              origin: vpcOrigin(first),
              fallbackOrigin: second ? vpcOrigin(second) : undefined,
            },
            routes: [],
          };
        },
        // No application-layer mitigation on the load balancers: they have no web ACL of their own,
        // they are reachable only through CloudFront, whose distribution carries it.
        shieldResources: regions.map((r) => ({
          name: `ent-alb-${r.region}`,
          resourceArn: r.service.loadBalancer.loadBalancerArn,
        })),
      },
    };
  },
};

/** The ENT stacks of a composed app, primary first (typed access for tests and tools). */
export function entRegions(workload: ComposedWorkload | undefined): readonly EntRegion[] {
  if (!workload || workload.id !== 'Ent') throw new Error('the app has no ENT workload');
  return workload.regions as readonly EntRegion[];
}
