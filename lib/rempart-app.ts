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

  const edge = new EdgeStack(app, `${prefix}-Edge`, {
    config,
    env: env(config.regions.edge),
    description: 'Rempart edge: CloudFront, WAF, Shield (opt-in) and edge alarms',
  });
  for (const r of regions) {
    edge.addStackDependency(r.bookingApi);
    edge.addStackDependency(r.entService);
  }

  addComplianceGates(app, { pciDss: config.compliance.pciDss });
  return { edge, backupVault, regions };
}
