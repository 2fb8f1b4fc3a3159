import { Tags, type Environment } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { addComplianceGates } from './compliance/nag-packs';
import type { RempartConfig } from './config/schema';
import { BackupVaultStack } from './stacks/backup-vault-stack';
import { BookingApiStack } from './stacks/booking-api-stack';
import { BookingDataStack } from './stacks/booking-data-stack';
import { EdgeStack } from './stacks/edge-stack';
import { EntDataStack } from './stacks/ent-data-stack';
import { EntServiceStack } from './stacks/ent-service-stack';
import { applyResilienceTags, regionalResilienceTargets, ResilienceStack } from './stacks/resilience-stack';

export interface RegionalStacks {
  readonly region: string;
  readonly isPrimary: boolean;
  readonly bookingData: BookingDataStack;
  readonly bookingApi: BookingApiStack;
  readonly entData: EntDataStack;
  readonly entService: EntServiceStack;
}

export interface RempartStacks {
  readonly edge: EdgeStack;
  readonly backupVault: BackupVaultStack;
  /** Primary first, then secondary. */
  readonly regions: readonly RegionalStacks[];
  /** Resilience stack of each application Region, same order as `regions`. */
  readonly resilience: readonly ResilienceStack[];
}

export interface ComposeOptions {
  /** Target account; undefined leaves it unresolved, which is enough to synthesize offline. */
  readonly account?: string;
}

/**
 * The whole Rempart deployment: which stacks, in which Regions, depending on which. The app entry
 * point and the tests both call this, so what is tested is what is deployed.
 */
export function composeRempart(
  app: Construct,
  config: RempartConfig,
  options: ComposeOptions = {},
): RempartStacks {
  const env = (region: string): Environment => ({ account: options.account, region });
  const prefix = config.service.name;

  Tags.of(app).add('rempart:service', prefix);
  Tags.of(app).add('rempart:stage', config.service.stage);
  Tags.of(app).add('rempart:owner', config.service.owner);

  const backupVault = new BackupVaultStack(app, `${prefix}-BackupVault`, {
    config,
    env: env(config.regions.witness),
    description: 'Rempart: locked off-site backup vault (witness Region)',
  });

  const regions = [config.regions.primary, config.regions.secondary].map((region): RegionalStacks => {
    const isPrimary = region === config.regions.primary;
    const bookingData = new BookingDataStack(app, `${prefix}-Booking-Data-${region}`, {
      config,
      isPrimary,
      env: env(region),
      description: `Rempart booking: stateful resources in ${region}`,
    });
    const bookingApi = new BookingApiStack(app, `${prefix}-Booking-Api-${region}`, {
      config,
      data: bookingData,
      env: env(region),
      description: `Rempart booking: API, queue and worker in ${region}`,
    });
    const entData = new EntDataStack(app, `${prefix}-Ent-Data-${region}`, {
      config,
      isPrimary,
      env: env(region),
      description: `Rempart ENT: stateful resources in ${region}`,
    });
    const entService = new EntServiceStack(app, `${prefix}-Ent-Service-${region}`, {
      config,
      data: entData,
      env: env(region),
      description: `Rempart ENT: container service in ${region}`,
    });
    for (const stateful of [bookingData, entData]) stateful.addStackDependency(backupVault);
    bookingApi.addStackDependency(bookingData);
    entService.addStackDependency(entData);
    return { region, isPrimary, bookingData, bookingApi, entData, entService };
  });
  // ENT: the primary's documents replicate into the secondary's bucket and its sessions table puts a
  // replica under the secondary's key alias; both must exist first.
  regions[0].entData.addStackDependency(regions[1].entData);
  // Booking: the primary declares the global table with a replica under the secondary's key alias and
  // replicates the site bucket into the secondary's; the secondary's API needs that replica to exist.
  regions[0].bookingData.addStackDependency(regions[1].bookingData);
  regions[1].bookingApi.addStackDependency(regions[0].bookingData);

  // Per application Region: alarms, health checks, backups copying to the witness vault, FIS drills and
  // Resilience Hub. Backups and drills find their resources by the tags applied here.
  const resilience = regions.map((r) => {
    applyResilienceTags(config, { ...r, queueWorkers: [r.bookingApi.worker.function] });
    const stack = new ResilienceStack(app, `${prefix}-Resilience-${r.region}`, {
      config,
      env: env(r.region),
      description: `Rempart resilience: alarms, health checks, backups and drills in ${r.region}`,
      peerRegion: r.isPrimary ? config.regions.secondary : config.regions.primary,
      drillAvailabilityZone: config.ent.network.availabilityZones[r.region]?.[0],
      ...regionalResilienceTargets(r),
    });
    stack.addStackDependency(backupVault);
    return stack;
  });

  const edge = new EdgeStack(app, `${prefix}-Edge`, {
    config,
    env: env(config.regions.edge),
    description: 'Rempart edge: CloudFront, WAF, Shield (opt-in) and edge alarms',
    booking: regions.map((r) => ({
      region: r.region,
      restApi: r.bookingApi.restApi,
      siteBucket: r.bookingData.siteBucket,
      originHeaderName: r.bookingApi.apiOrigin.headerName,
      originSecretName: r.bookingApi.apiOrigin.secretName,
    })),
    ent: regions.map((r) => ({
      region: r.region,
      loadBalancer: r.entService.loadBalancer,
      originDomainName: r.entService.originDomainName,
    })),
  });
  for (const r of regions) {
    edge.addStackDependency(r.bookingApi);
    edge.addStackDependency(r.entService);
  }

  addComplianceGates(app, { pciDss: config.compliance.pciDss });
  return { edge, backupVault, regions, resilience };
}
