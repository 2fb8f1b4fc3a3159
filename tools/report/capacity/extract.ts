import { at, evidence, num, ofType, render, stackWorkloads, type Evidence, type Res } from '../cfn';
import type { Resolver } from '../resolver';
import { rateRules, type RateRuleView } from '../waf';

/** A number a template configures, with where it was read. */
export interface Configured {
  readonly value: number;
  readonly evidence: Evidence;
}

export interface StageThrottle {
  readonly rate: Configured;
  readonly burst?: Configured;
}

export interface QueueApiRegion {
  readonly region: string;
  readonly stage?: StageThrottle & {
    /** Method-level throttles (e.g. POST /api/bookings). */
    readonly methods: readonly (StageThrottle & { readonly httpMethod: string; readonly path: string })[];
  };
  readonly worker?: {
    readonly maxConcurrency: Configured;
    readonly batchSize: Configured;
    readonly reservedConcurrency?: Configured;
  };
  readonly queueRetentionSeconds?: Configured;
  /** Reserved concurrency of the functions behind GET methods (reads). */
  readonly readFunctions: readonly Configured[];
}

export interface ScheduledAction {
  readonly name: string;
  /** Minutes after midnight, in `timezone`. Undefined when the schedule is not a daily cron. */
  readonly minuteOfDay?: number;
  readonly days: readonly string[];
  readonly timezone: string;
  readonly min?: number;
  readonly max?: number;
  readonly evidence: Evidence;
}

export interface WebServiceRegion {
  readonly region: string;
  readonly maxTasks?: Configured;
  readonly minTasks?: Configured;
  readonly scheduled: readonly ScheduledAction[];
  readonly taskVcpu?: Configured;
  readonly healthCheckGraceSeconds?: Configured;
}

export interface TableCapacity {
  readonly name: string;
  readonly replicas: readonly string[];
  readonly warmWrites?: Configured;
  readonly warmReads?: Configured;
  readonly billing: string;
}

export interface EdgeCapacity {
  readonly distribution: Evidence;
  /** Rate rules of the distribution's web ACL, each with the evidence of its limit. */
  readonly rules: readonly (RateRuleView & { readonly evidence: Evidence })[];
}

export interface WorkloadCapacityInput {
  readonly workload: string;
  readonly regions: readonly string[];
  readonly edge: readonly EdgeCapacity[];
  readonly queueApi: readonly QueueApiRegion[];
  readonly tables: readonly TableCapacity[];
  readonly web: readonly WebServiceRegion[];
}

export interface CapacityInput {
  readonly workloads: ReadonlyMap<string, WorkloadCapacityInput>;
  /** Sum of reserved concurrency of every function of each Region (the account-wide pool). */
  readonly lambdaReserved: ReadonlyMap<
    string,
    { readonly sum: number; readonly evidence: readonly Evidence[] }
  >;
}

function configured(res: Res, path: string): Configured | undefined {
  const value = num(at(res.props, path));
  return value === undefined ? undefined : { value, evidence: evidence(res, path) };
}

/** Read every capacity setting the templates configure, per workload and Region. */
export function extractCapacity(rv: Resolver): CapacityInput {
  const resources = rv.resources;
  const workloadOf = stackWorkloads(resources);
  const inWorkload = (w: string) => resources.filter((r) => workloadOf.get(r.stack.name) === w);
  const workloads = new Map<string, WorkloadCapacityInput>();

  for (const w of [...new Set([...workloadOf.values()].filter((x): x is string => !!x))]) {
    const mine = inWorkload(w);
    const regions = [...new Set(mine.map((r) => r.stack.region))].sort();

    const queueApi: QueueApiRegion[] = [];
    for (const region of regions) {
      const here = mine.filter((r) => r.stack.region === region);
      const stageRes = ofType(here, 'AWS::ApiGateway::Stage')[0];
      const esm = ofType(here, 'AWS::Lambda::EventSourceMapping').find((e) =>
        rv.targets(e.props.EventSourceArn, e).some((t) => t.type === 'AWS::SQS::Queue'),
      );
      if (!stageRes && !esm) continue;
      let stage: QueueApiRegion['stage'];
      if (stageRes) {
        const settings = Array.isArray(stageRes.props.MethodSettings) ? stageRes.props.MethodSettings : [];
        const methods: (StageThrottle & { httpMethod: string; path: string })[] = [];
        let all: StageThrottle | undefined;
        settings.forEach((s, i) => {
          const rate = configured(stageRes, `MethodSettings.${i}.ThrottlingRateLimit`);
          if (!rate) return;
          const throttle = { rate, burst: configured(stageRes, `MethodSettings.${i}.ThrottlingBurstLimit`) };
          // API Gateway writes a resource path as "/" + the path with "/" escaped as "~1"; "/*" is every resource.
          const raw = render(at(s, 'ResourcePath'));
          const method = render(at(s, 'HttpMethod'));
          if (raw === '/*' && method === '*') all = throttle;
          else
            methods.push({
              ...throttle,
              httpMethod: method,
              path: raw.replace(/^\//, '').replace(/~1/g, '/'),
            });
        });
        if (all) stage = { ...all, methods };
      }
      let worker: QueueApiRegion['worker'];
      let queueRetentionSeconds: Configured | undefined;
      if (esm) {
        const fn = rv.targets(esm.props.FunctionName, esm).find((t) => t.type === 'AWS::Lambda::Function');
        const queue = rv.targets(esm.props.EventSourceArn, esm).find((t) => t.type === 'AWS::SQS::Queue');
        const maxConcurrency = configured(esm, 'ScalingConfig.MaximumConcurrency');
        const batchSize = configured(esm, 'BatchSize') ?? {
          value: 10,
          evidence: evidence(esm, 'BatchSize', '10 (SQS default)'),
        };
        if (maxConcurrency) {
          worker = {
            maxConcurrency,
            batchSize,
            reservedConcurrency: fn ? configured(fn, 'ReservedConcurrentExecutions') : undefined,
          };
        }
        queueRetentionSeconds = queue
          ? (configured(queue, 'MessageRetentionPeriod') ?? {
              value: 345_600,
              evidence: evidence(queue, 'MessageRetentionPeriod', '345600 (SQS default)'),
            })
          : undefined;
      }
      const readFunctions = ofType(here, 'AWS::ApiGateway::Method')
        .filter((m) => render(m.props.HttpMethod) === 'GET')
        .flatMap((m) =>
          rv.targets(at(m.props, 'Integration.Uri'), m).filter((t) => t.type === 'AWS::Lambda::Function'),
        );
      const uniqueRead = [...new Map(readFunctions.map((f) => [f.logicalId, f])).values()];
      queueApi.push({
        region,
        stage,
        worker,
        queueRetentionSeconds,
        readFunctions: uniqueRead
          .map((f) => configured(f, 'ReservedConcurrentExecutions'))
          .filter((c): c is Configured => !!c),
      });
    }

    const tables: TableCapacity[] = ofType(mine, 'AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table').map(
      (t) => ({
        name: render(t.props.TableName) || t.logicalId,
        replicas: Array.isArray(t.props.Replicas)
          ? t.props.Replicas.map((r) => render(at(r, 'Region')))
          : [t.stack.region],
        warmWrites: configured(t, 'WarmThroughput.WriteUnitsPerSecond'),
        warmReads: configured(t, 'WarmThroughput.ReadUnitsPerSecond'),
        billing: render(t.props.BillingMode) || 'PROVISIONED',
      }),
    );

    const web: WebServiceRegion[] = [];
    for (const service of ofType(mine, 'AWS::ECS::Service')) {
      const target = ofType(resources, 'AWS::ApplicationAutoScaling::ScalableTarget').find(
        (t) => t.stack === service.stack && rv.targets(t.props.ResourceId, t).includes(service),
      );
      const taskDef = rv
        .targets(service.props.TaskDefinition, service)
        .find((t) => t.type === 'AWS::ECS::TaskDefinition');
      const cpu = taskDef ? num(taskDef.props.Cpu) : undefined;
      const scheduled = target
        ? (Array.isArray(target.props.ScheduledActions) ? target.props.ScheduledActions : []).map(
            (a, i): ScheduledAction => {
              const cron = parseDailyCron(render(at(a, 'Schedule')));
              return {
                name: render(at(a, 'ScheduledActionName')),
                minuteOfDay: cron?.minuteOfDay,
                days: cron?.days ?? [],
                timezone: render(at(a, 'Timezone')) || 'UTC',
                min: num(at(a, 'ScalableTargetAction.MinCapacity')),
                max: num(at(a, 'ScalableTargetAction.MaxCapacity')),
                evidence: evidence(target, `ScheduledActions.${i}`),
              };
            },
          )
        : [];
      web.push({
        region: service.stack.region,
        maxTasks: target ? configured(target, 'MaxCapacity') : undefined,
        minTasks: target ? configured(target, 'MinCapacity') : undefined,
        scheduled,
        taskVcpu:
          taskDef && cpu !== undefined
            ? { value: cpu / 1024, evidence: evidence(taskDef, 'Cpu') }
            : undefined,
        healthCheckGraceSeconds: configured(service, 'HealthCheckGracePeriodSeconds'),
      });
    }

    const edge: EdgeCapacity[] = [];
    for (const d of ofType(resources, 'AWS::CloudFront::Distribution')) {
      const origins = at(d.props, 'DistributionConfig.Origins');
      const viaVpcOrigins = rv
        .targets(origins, d)
        .filter((t) => t.type === 'AWS::CloudFront::VpcOrigin')
        .flatMap((vo) => rv.targets(vo.props, vo));
      const reached = [...rv.targets(origins, d), ...viaVpcOrigins];
      if (!reached.some((t) => workloadOf.get(t.stack.name) === w)) continue;
      const acl = rv
        .targets(at(d.props, 'DistributionConfig.WebACLId'), d)
        .find((t) => t.type === 'AWS::WAFv2::WebACL');
      edge.push({
        distribution: evidence(d, 'DistributionConfig.WebACLId'),
        rules: acl
          ? rateRules(acl).map((r) => ({
              ...r,
              evidence: evidence(acl, `Rules.${r.index}.Statement.RateBasedStatement.Limit`),
            }))
          : [],
      });
    }

    workloads.set(w, { workload: w, regions, edge, queueApi, tables, web });
  }

  const lambdaReserved = new Map<string, { sum: number; evidence: Evidence[] }>();
  for (const f of ofType(resources, 'AWS::Lambda::Function')) {
    const c = configured(f, 'ReservedConcurrentExecutions');
    if (!c) continue;
    const entry = lambdaReserved.get(f.stack.region) ?? { sum: 0, evidence: [] };
    entry.sum += c.value;
    entry.evidence.push(c.evidence);
    lambdaReserved.set(f.stack.region, entry);
  }
  return { workloads, lambdaReserved };
}

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** `cron(15 7 ? * MON,TUE *)` → 07:15 on those days; undefined for anything that is not a daily time. */
export function parseDailyCron(schedule: string): { minuteOfDay: number; days: string[] } | undefined {
  const m = /^cron\((\d{1,2}) (\d{1,2}) (\S+) (\S+) (\S+)(?: (\S+))?\)$/.exec(schedule.trim());
  if (!m) return undefined;
  const [, minute, hour, dom, , dow] = m;
  if (dom !== '?' && dom !== '*') return undefined;
  let days: string[] = DAY_NAMES;
  if (dow && dow !== '*' && dow !== '?') {
    days = dow.split(',').flatMap((part) => {
      const [from, to] = part.split('-');
      const i = DAY_NAMES.indexOf(from ?? '');
      const j = to ? DAY_NAMES.indexOf(to) : i;
      return i < 0 || j < 0 ? [] : DAY_NAMES.slice(i, j + 1);
    });
  }
  return { minuteOfDay: Number(hour) * 60 + Number(minute), days };
}
