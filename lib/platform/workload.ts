import type { Environment, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct, IConstruct } from 'constructs';
import type { RempartConfig } from '../config/schema';
import type { WorkloadEdgeSection } from '../config/sections/edge';
import type { ProtectedResource } from '../constructs/ddos-protection/ddos-protection';
import type {
  ApiSignal,
  FunctionSignal,
  ProbeSignal,
  QueueSignal,
  TableSignal,
  WebServiceSignal,
} from '../constructs/observability/regional-observability';
import type {
  PathRoute,
  ResilientDistribution,
  Route,
  ViewerRequestFunction,
} from '../constructs/resilient-distribution/resilient-distribution';

/**
 * A workload is one folder under `lib/workloads/` and one entry in `WORKLOADS`
 * (`lib/workloads/index.ts`). The shared stacks (edge, resilience, backup vault) loop over what each
 * workload contributes here; they never know a workload by name.
 */
export interface Workload {
  /** PascalCase, unique: prefixes the workload's stack names and construct ids (e.g. "Booking"). */
  readonly id: string;
  /** Lower-case tag value on every resource of the workload (`rempart:workload`), e.g. "booking". */
  readonly tag: string;
  /** Makes the workload's stacks in every application Region (primary first) and links them. */
  compose(ctx: WorkloadContext): ComposedWorkload;
}

/** What the app hands a workload when composing it. */
export interface WorkloadContext {
  /** Scope of the workload's stacks. */
  readonly app: Construct;
  /** The validated configuration; the workload reads its own section. */
  readonly config: RempartConfig;
  /** Application Regions, primary first. */
  readonly regions: readonly string[];
  /** Stack environment in a Region (account may be unresolved for offline synth). */
  env(region: string): Environment;
  /** Stack name for the workload in a Region, e.g. "Rempart-Booking-Data-eu-west-3". */
  stackName(part: string, region: string): string;
}

/** The stacks a workload made, per application Region, and what it asks of the shared stacks. */
export interface ComposedWorkload {
  /** The workload's `id`. */
  readonly id: string;
  /** The workload's `tag`. */
  readonly tag: string;
  /** Primary first. */
  readonly regions: readonly WorkloadRegion[];
  /** How the edge serves the workload. @default not served by the edge stack */
  readonly edge?: WorkloadEdgeSpec;
}

/**
 * A workload's stacks in one application Region, and what the Region's resilience stack must watch,
 * route and drill for it. A workload extends it with its own stacks (e.g. `BookingRegion`).
 */
export interface WorkloadRegion {
  /** The Region, e.g. "eu-west-3". */
  readonly region: string;
  /** Whether this is `regions.primary`: where a workload deploys what exists once (a table's definition). */
  readonly isPrimary: boolean;
  /** Every stack of the workload in this Region (assessed by Resilience Hub, tagged with the workload). */
  readonly stacks: readonly Stack[];
  /** Stacks holding data: backed up (selection tag) and deployed after the off-site vault. */
  readonly statefulStacks: readonly Stack[];
  /** Stacks whose resources the edge stack reads (it deploys after them). @default none */
  readonly originStacks?: readonly Stack[];
  /** What the Region's resilience stack does for the workload. */
  readonly resilience: WorkloadResilience;
}

/** What the Region's resilience stack watches, routes and drills for this workload. */
export interface WorkloadResilience {
  /** REST APIs to alarm on. @default none */
  readonly apis?: readonly ApiSignal[];
  /** Queues to alarm on (depth, age, dead-letter queue). @default none */
  readonly queues?: readonly QueueSignal[];
  /** Lambda functions to alarm on. @default none */
  readonly functions?: readonly FunctionSignal[];
  /** Tables to alarm on (throttles, replication latency). @default none */
  readonly tables?: readonly TableSignal[];
  /** Load-balanced ECS services to alarm on; their healthy hosts are a health signal. @default none */
  readonly webServices?: readonly WebServiceSignal[];
  /**
   * Region probe (a CloudWatch Synthetics canary run whatever the traffic): HTTP checks of the
   * Region's read path and a canary-only write. Its alarm is the health signal that tells an idle
   * Region from a lost one. @default no probe
   */
  readonly probes?: readonly ProbeSignal[];
  /**
   * A latency/failover record the resilience stack owns, health-checked by the workload's health
   * signals in the Region (probe, healthy hosts, error ratios). @default no record (health checks only)
   */
  readonly originRecord?: { readonly recordName: string; readonly target: string };
  /** Functions draining a queue: targets of the function-fault and queue-impairment drills. @default none */
  readonly queueWorkers?: readonly IConstruct[];
  /** AWS_FIS_CONFIGURATION_LOCATION of the queue workers, when they run the FIS extension. @default none */
  readonly faultConfigLocationArn?: string;
  /**
   * The workload runs tasks in subnets of these AZs: the AZ power-interruption drill cuts the first.
   * @default not targeted by the AZ drill
   */
  readonly availabilityZones?: readonly string[];
  /**
   * Physical names (wildcards allowed) of the tables and buckets the backup plan protects: the
   * backup role may read only these. @default none
   */
  readonly backedUp?: { readonly tableNames: readonly string[]; readonly bucketNames: readonly string[] };
  /**
   * The workload's own alarms (e.g. a waiting room's stuck cursor): the resilience stack pages the
   * Region's alert topic on them through a composite alarm of its own (the workload stack cannot
   * reference the topic: the resilience stack depends on it), outside the Region-health verdict, and
   * adds `widgets` to the Region's dashboard. @default none
   */
  readonly paged?: readonly {
    readonly label: string;
    readonly alarms: readonly cloudwatch.IAlarm[];
    readonly widgets?: readonly cloudwatch.IWidget[];
  }[];
}

/** What the edge stack builds for a workload: a web ACL, a distribution, alarms, Shield entries. */
export interface WorkloadEdgeSpec {
  /** Public host name of the workload's distribution. */
  readonly domainName: string;
  /** The workload's part of the `edge` section: web ACL rules, paths, certificate. */
  readonly settings: WorkloadEdgeSection;
  /** Origins are made in the edge stack's scope (us-east-1). */
  routing(scope: Construct): {
    readonly defaultRoute: Route;
    readonly routes: readonly PathRoute[];
    /** A viewer-request function (e.g. the waiting-room gate) on chosen routes. @default none */
    readonly viewerRequest?: ViewerRequestFunction;
  };
  /** Called once the distribution exists (e.g. to acknowledge a warning raised while binding origins). */
  afterDistribution?(distribution: ResilientDistribution): void;
  /** Regional resources Shield Advanced protects with the distribution. @default none */
  readonly shieldResources?: readonly ProtectedResource[];
}
