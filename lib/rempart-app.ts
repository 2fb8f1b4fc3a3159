import { Tags, type Environment } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { addComplianceGates } from './compliance/nag-packs';
import type { RempartConfig } from './config/schema';
import { BackupVaultStack } from './platform/backup-vault-stack';
import { EdgeKeyStack, EdgeStack } from './platform/edge-stack';
import { applyResilienceTags, ResilienceStack } from './platform/resilience-stack';
import type { ComposedWorkload, Workload } from './platform/workload';
import { WORKLOADS } from './workloads';

/** Every stack `composeRempart()` made, to add to them or to test them. */
export interface RempartStacks {
  /** us-east-1: web ACLs, distributions, Shield and the edge alarms; deployed after the origins. */
  readonly edge: EdgeStack;
  /** us-east-1 customer key of the origin secrets' replicas, deployed before the Regions need it. */
  readonly edgeKeys: EdgeKeyStack;
  /** The witness Region's locked off-site vault; deployed before every stack that holds data. */
  readonly backupVault: BackupVaultStack;
  /** By workload id ("Booking", "Ent"), each with its stacks per Region, primary first. */
  readonly workloads: Readonly<Record<string, ComposedWorkload>>;
  /** Resilience stack of each application Region, primary first. */
  readonly resilience: readonly ResilienceStack[];
}

/** What `composeRempart()` takes besides the configuration. */
export interface ComposeOptions {
  /**
   * Target account of every stack.
   * @default - unresolved (the configuration's `account` is not read here): enough to synthesize
   * offline; `bin/app.ts` passes the configured or the CLI's account
   */
  readonly account?: string;
  /** The workloads to deploy. @default WORKLOADS (booking and ENT) */
  readonly workloads?: readonly Workload[];
}

/**
 * The whole Rempart deployment: which stacks, in which Regions, depending on which. The app entry
 * point and the tests both call this, so what is tested is what is deployed. The shared stacks loop
 * over the workloads; none of them knows a workload by name.
 */
export function composeRempart(
  app: Construct,
  config: RempartConfig,
  options: ComposeOptions = {},
): RempartStacks {
  const env = (region: string): Environment => ({ account: options.account, region });
  const prefix = config.service.name;
  const appRegions = [config.regions.primary, config.regions.secondary];

  Tags.of(app).add('rempart:service', prefix);
  Tags.of(app).add('rempart:stage', config.service.stage);
  Tags.of(app).add('rempart:owner', config.service.owner);

  const backupVault = new BackupVaultStack(app, `${prefix}-BackupVault`, {
    config,
    env: env(config.regions.witness),
    description: 'Rempart: locked off-site backup vault (witness Region)',
  });

  const edgeKeys = new EdgeKeyStack(app, `${prefix}-EdgeKeys`, {
    config,
    env: env(config.regions.edge),
    description: 'Rempart edge keys: us-east-1 replica key of the origin secrets',
  });

  const composed = (options.workloads ?? WORKLOADS).map((w) =>
    w.compose({
      app,
      config,
      regions: appRegions,
      env,
      stackName: (part, region) => `${prefix}-${w.id}-${part}-${region}`,
    }),
  );
  for (const w of composed) {
    for (const r of w.regions) {
      for (const stateful of r.statefulStacks) stateful.addStackDependency(backupVault);
      // Origin secrets replicate into us-east-1 under the edge key: it must exist first.
      for (const origin of r.originStacks ?? []) origin.addStackDependency(edgeKeys);
      applyResilienceTags(config, w.tag, r);
    }
  }

  // Per application Region: alarms, health checks, backups copying to the witness vault, FIS drills and
  // Resilience Hub. Backups and drills find their resources by the tags applied above.
  const resilience = appRegions.map((region) => {
    const here = composed.flatMap((w) => w.regions.filter((r) => r.region === region).map((r) => ({ w, r })));
    const stack = new ResilienceStack(app, `${prefix}-Resilience-${region}`, {
      config,
      env: env(region),
      description: `Rempart resilience: alarms, health checks, backups and drills in ${region}`,
      peerRegion: appRegions.find((other) => other !== region) ?? region,
      drillAvailabilityZone: here.flatMap(({ r }) => r.resilience.availabilityZones ?? [])[0],
      workloads: here.map(({ w, r }) => ({ id: w.id, resilience: r.resilience })),
      assessedStacks: here.flatMap(({ r }) => r.stacks),
    });
    stack.addStackDependency(backupVault);
    return stack;
  });

  const served = composed.flatMap((w) => (w.edge ? [{ id: w.id, edge: w.edge }] : []));
  const edge = new EdgeStack(app, `${prefix}-Edge`, {
    config,
    env: env(config.regions.edge),
    description: 'Rempart edge: CloudFront, WAF, Shield (opt-in) and edge alarms',
    workloads: served,
  });
  for (const w of composed) {
    if (!w.edge) continue;
    for (const r of w.regions) for (const s of r.originStacks ?? []) edge.addStackDependency(s);
  }

  addComplianceGates(app, { pciDss: config.compliance.pciDss });
  return {
    edge,
    edgeKeys,
    backupVault,
    workloads: Object.fromEntries(composed.map((w) => [w.id, w])),
    resilience,
  };
}
