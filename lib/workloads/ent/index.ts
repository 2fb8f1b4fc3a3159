import { Duration, SecretValue } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type { ComposedWorkload, Workload, WorkloadContext, WorkloadRegion } from '../../platform/workload';
import { EntDataStack, entNames } from './data-stack';
import { entOriginNames, EntServiceStack } from './service-stack';

export * from './capacity';
export * from './config';
export * from './data-stack';
export * from './service-stack';

/** The ENT workload's stacks in one application Region. */
export interface EntRegion extends WorkloadRegion {
  /** The Region's stateful stack. */
  readonly data: EntDataStack;
  /** The Region's service stack. */
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
          backedUp: {
            tableNames: [entNames.sessionsTable(config)],
            bucketNames: [data.documentsBucketName],
          },
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
          // Every minute, whatever the traffic: a canary-only write to this Region's sessions replica
          // (the ENT's state store). The read path is proved by the load balancer's own health checks
          // of every task (healthy hosts, also always reported); the canary cannot reach the load
          // balancer, which admits only CloudFront's addresses (docs/ent.md).
          probes: [
            {
              workload: 'Ent',
              heartbeat: {
                table: data.sessionsTable,
                partitionKey: { name: 'pk', value: 'rempart#probe' },
                sortKey: { name: 'sk', value: region },
                expiresAttribute: 'expiresAt',
              },
            },
          ],
          // The name CloudFront sends every ENT request to: a latency record per Region, owned and
          // health-checked by the resilience stack, so writes leave a lost Region too.
          originRecord: {
            recordName: entOriginNames.failover(config.ent),
            target: service.loadBalancer.loadBalancerDnsName,
          },
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
         * One dynamic web application. CloudFront behaviours cannot be chosen by method, and origin
         * groups fail over only GET/HEAD/OPTIONS: so every method goes to the health-checked latency
         * name `origin.<ent domain>` (Route 53 stops answering with a lost Region, POSTs included),
         * and GET/HEAD/OPTIONS that still fail there retry at once on the secondary Region's pinned
         * name. Both origins send every Region's origin secret header; each load balancer checks its own.
         */
        routing: () => {
          const headers = Object.fromEntries(
            regions.map((r) => [
              r.service.originHeaderName,
              SecretValue.secretsManager(r.service.originSecretName).unsafeUnwrap(),
            ]),
          );
          const origin = (domainName: string) =>
            new origins.HttpOrigin(domainName, {
              protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
              originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
              customHeaders: headers,
              readTimeout: Duration.seconds(30),
            });
          const [, second] = regions;
          return {
            defaultRoute: {
              kind: 'dynamic',
              origin: origin(entOriginNames.failover(config.ent)),
              fallbackOrigin: second ? origin(second.service.originDomainName) : undefined,
            },
            routes: [],
          };
        },
        // No application-layer mitigation on the load balancers: they have no web ACL of their own,
        // they admit only CloudFront's addresses with the origin secret, and the distribution carries it.
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
