import { failoverDetectionSeconds, type RecoveryObjectives } from '../../../lib/config';
import { at, num, ofType, render, stackWorkloads, tagsOf, type Res } from '../cfn';
import { bi, code, status, table, type Section, type Status } from '../model';
import type { Resolver } from '../resolver';

/** Declared recovery objectives, per kind of disruption (from the validated configuration). */
export interface DeclaredObjectives {
  readonly az: RecoveryObjectives;
  readonly infrastructure: RecoveryObjectives;
  readonly software: RecoveryObjectives;
  readonly region: RecoveryObjectives;
}

export interface Mechanism {
  readonly workload: string;
  readonly mechanism: string;
  readonly status: 'aligned' | 'gap' | 'info';
  readonly detail: string;
  readonly evidence: string;
}

export interface PolicyRow {
  readonly stack: string;
  readonly logicalId: string;
  readonly disruption: string;
  readonly rtoSeconds?: number;
  readonly rpoSeconds?: number;
  readonly declaredRto: number;
  readonly declaredRpo: number;
}

export interface ResilienceData {
  readonly declared?: DeclaredObjectives;
  readonly policies: readonly PolicyRow[];
  readonly mechanisms: readonly Mechanism[];
  readonly drills: readonly {
    readonly region: string;
    readonly stack: string;
    readonly logicalId: string;
    readonly description: string;
    readonly actions: readonly string[];
    readonly workloads: readonly string[];
  }[];
}

/** Resilience Hub policy keys and the configuration's names for them. */
const DISRUPTIONS: readonly { readonly hub: string; readonly config: keyof DeclaredObjectives }[] = [
  { hub: 'AZ', config: 'az' },
  { hub: 'Hardware', config: 'infrastructure' },
  { hub: 'Software', config: 'software' },
  { hub: 'Region', config: 'region' },
];

/** FIS target resource types and the CloudFormation types that carry their tags. */
const FIS_TARGET_TYPES: Readonly<Record<string, string>> = {
  'aws:ec2:subnet': 'AWS::EC2::Subnet',
  'aws:ecs:task': 'AWS::ECS::Service',
  'aws:ecs:cluster': 'AWS::ECS::Cluster',
  'aws:lambda:function': 'AWS::Lambda::Function',
  'aws:dynamodb:global-table': 'AWS::DynamoDB::GlobalTable',
  'aws:ec2:instance': 'AWS::EC2::Instance',
  'aws:rds:cluster': 'AWS::RDS::DBCluster',
};

export function resilienceData(rv: Resolver, declared?: DeclaredObjectives): ResilienceData {
  const resources = rv.resources;
  const workloadByStack = stackWorkloads(resources);
  const workloadOfRes = (r: Res) => workloadByStack.get(r.stack.name);
  const workloads = [...new Set([...workloadByStack.values()].filter((w): w is string => !!w))].sort();
  const mechanisms: Mechanism[] = [];
  const ev = (r: Res, path: string) => `${r.stack.templateFile} · ${r.logicalId} · ${path}`;
  const declaredRegionRpo = declared ? declared.region.rpoMinutes * 60 : undefined;
  const declaredRegionRto = declared ? declared.region.rtoMinutes * 60 : undefined;

  const policies: PolicyRow[] = [];
  for (const pol of ofType(resources, 'AWS::ResilienceHub::ResiliencyPolicy')) {
    for (const d of DISRUPTIONS) {
      const o = declared?.[d.config];
      policies.push({
        stack: pol.stack.name,
        logicalId: pol.logicalId,
        disruption: d.hub,
        rtoSeconds: num(at(pol.props, `Policy.${d.hub}.RtoInSecs`)),
        rpoSeconds: num(at(pol.props, `Policy.${d.hub}.RpoInSecs`)),
        declaredRto: o ? o.rtoMinutes * 60 : NaN,
        declaredRpo: o ? o.rpoMinutes * 60 : NaN,
      });
    }
  }

  for (const w of workloads) {
    const mine = resources.filter((r) => workloadOfRes(r) === w);
    // Tables: replicas across Regions, consistency mode as the RPO bound, PITR.
    for (const t of ofType(mine, 'AWS::DynamoDB::GlobalTable')) {
      const regions = (Array.isArray(t.props.Replicas) ? t.props.Replicas : []).map((r) =>
        render(at(r, 'Region')),
      );
      const strong = render(t.props.MultiRegionConsistency) === 'STRONG';
      const latencyAlarm = ofType(resources, 'AWS::CloudWatch::Alarm').some(
        (a) => render(a.props.MetricName) === 'ReplicationLatency' && rv.targets(a.props, a).includes(t),
      );
      mechanisms.push({
        workload: w,
        mechanism: 'table replicas',
        status:
          regions.length < 2
            ? 'gap'
            : strong || latencyAlarm || declaredRegionRpo === undefined
              ? 'aligned'
              : 'gap',
        detail: `${render(t.props.TableName) || t.logicalId}: ${regions.join(', ')}; ${strong ? 'strong consistency: a write acknowledged in one Region is in the others (RPO 0)' : `eventual consistency: AWS publishes no replication bound${latencyAlarm ? '; ReplicationLatency is alarmed' : '; ReplicationLatency is not alarmed'}`}`,
        evidence: ev(t, 'Properties.MultiRegionConsistency'),
      });
      const noPitr = (Array.isArray(t.props.Replicas) ? t.props.Replicas : []).filter(
        (r) => at(r, 'PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled') !== true,
      );
      mechanisms.push({
        workload: w,
        mechanism: 'point-in-time recovery',
        status: noPitr.length === 0 ? 'aligned' : 'gap',
        detail:
          noPitr.length === 0
            ? `every replica of ${render(t.props.TableName) || t.logicalId}`
            : `${noPitr.length} replica(s) without PITR`,
        evidence: ev(t, 'Properties.Replicas.*.PointInTimeRecoverySpecification'),
      });
    }
    // Buckets: replication and its time bound against the declared Region RPO.
    for (const b of ofType(mine, 'AWS::S3::Bucket')) {
      const rules = (
        Array.isArray(at(b.props, 'ReplicationConfiguration.Rules'))
          ? (at(b.props, 'ReplicationConfiguration.Rules') as unknown[])
          : []
      ).filter((r) => render(at(r, 'Status')) === 'Enabled');
      if (rules.length === 0) continue;
      const minutes = rules
        .map((r) => num(at(r, 'Destination.ReplicationTime.Time.Minutes')))
        .find((m) => m !== undefined);
      const bound = minutes !== undefined ? minutes * 60 : undefined;
      mechanisms.push({
        workload: w,
        mechanism: 'bucket replication',
        status:
          declaredRegionRpo === undefined
            ? 'info'
            : bound !== undefined && bound <= declaredRegionRpo
              ? 'aligned'
              : 'gap',
        detail: `${render(b.props.BucketName) || b.logicalId}: ${bound !== undefined ? `replication time control ${minutes} min` : 'no replication time control (no time bound)'}${declaredRegionRpo !== undefined ? `; declared Region RPO ${declaredRegionRpo / 60} min` : ''}`,
        evidence: ev(b, 'Properties.ReplicationConfiguration.Rules.*.Destination.ReplicationTime'),
      });
    }
    // Backups: every data store selected, copied to another Region, into a locked vault.
    const controlsBackup = backupChain(rv, mine);
    mechanisms.push({ workload: w, ...controlsBackup });

    // Health-checked DNS records whose targets are this workload's: failover detection vs RTO.
    const records = ofType(resources, 'AWS::Route53::RecordSet').filter(
      (rec) =>
        (rec.props.Failover !== undefined || rec.props.Region !== undefined) &&
        rv
          .targets(rec.props.ResourceRecords ?? rec.props.AliasTarget, rec)
          .some((t) => workloadOfRes(t) === w),
    );
    if (records.length === 0) {
      mechanisms.push({
        workload: w,
        mechanism: 'health-checked DNS failover',
        status: 'gap',
        detail: 'no failover or latency record with a health check routes to this workload',
        evidence: '—',
      });
    }
    for (const rec of records) {
      const detection = detectionSeconds(rv, rec);
      mechanisms.push({
        workload: w,
        mechanism: 'health-checked DNS failover',
        status:
          rec.props.HealthCheckId === undefined
            ? 'gap'
            : detection === undefined || declaredRegionRto === undefined
              ? 'info'
              : detection <= declaredRegionRto
                ? 'aligned'
                : 'gap',
        detail: `${render(rec.props.Name)} (${rec.props.Failover ? `failover ${render(rec.props.Failover)}` : `latency ${render(rec.props.Region)}`})${rec.props.HealthCheckId === undefined ? ': no health check' : detection !== undefined ? `: detection ≈ ${detection} s (alarm evaluation, metric publication, health check propagation, TTL ${render(rec.props.TTL)} s)${declaredRegionRto !== undefined ? ` against a declared Region RTO of ${declaredRegionRto} s` : ''}` : ''}`,
        evidence: ev(rec, 'Properties.HealthCheckId'),
      });
    }
    // CloudFront origin groups reaching this workload (read failover at the edge).
    for (const d of ofType(resources, 'AWS::CloudFront::Distribution')) {
      const groups = at(d.props, 'DistributionConfig.OriginGroups.Items');
      const reaches =
        rv.targets(at(d.props, 'DistributionConfig.Origins'), d).some((t) => workloadOfRes(t) === w) ||
        ofType(resources, 'AWS::CloudFront::VpcOrigin').some(
          (vo) =>
            vo.stack === d.stack &&
            rv.targets(vo.props, vo).some((t) => workloadOfRes(t) === w) &&
            rv.targets(d.props, d).includes(vo),
        );
      if (!reaches) continue;
      const count = Array.isArray(groups) ? groups.length : 0;
      mechanisms.push({
        workload: w,
        mechanism: 'edge origin failover',
        status: count > 0 ? 'aligned' : 'gap',
        detail:
          count > 0
            ? `${count} origin group(s) on ${d.logicalId} (CloudFront fails over GET, HEAD and OPTIONS only)`
            : `${d.logicalId} has no origin group`,
        evidence: ev(d, 'Properties.DistributionConfig.OriginGroups'),
      });
    }
    // Alarms watching this workload's resources.
    const watched = ofType(resources, 'AWS::CloudWatch::Alarm').filter(
      (a) => rv.targets(a.props, a).some((t) => workloadOfRes(t) === w) || workloadOfRes(a) === w,
    );
    mechanisms.push({
      workload: w,
      mechanism: 'alarms',
      status: watched.length > 0 ? 'aligned' : 'gap',
      detail: `${watched.length} alarm(s) on this workload's resources`,
      evidence:
        watched
          .slice(0, 3)
          .map((a) => `${a.stack.templateFile} · ${a.logicalId}`)
          .join('; ') || '—',
    });
  }

  const drills = ofType(resources, 'AWS::FIS::ExperimentTemplate').map((x) => {
    const targets = at(x.props, 'Targets');
    const covered = new Set<string>();
    for (const target of Object.values(
      targets && typeof targets === 'object' ? (targets as Record<string, unknown>) : {},
    )) {
      const cfnType = FIS_TARGET_TYPES[render(at(target, 'ResourceType'))];
      const wanted = at(target, 'ResourceTags');
      for (const r of rv.targets(at(target, 'ResourceArns'), x)) {
        const w = workloadOfRes(r);
        if (w) covered.add(w);
      }
      if (!cfnType || !wanted || typeof wanted !== 'object') continue;
      for (const r of ofType(resources, cfnType)) {
        const inRegion =
          r.stack.region === x.stack.region ||
          (Array.isArray(r.props.Replicas) &&
            r.props.Replicas.some((rep) => render(at(rep, 'Region')) === x.stack.region));
        const tags = tagsOf(r);
        if (inRegion && Object.entries(wanted).every(([k, v]) => tags.get(k) === render(v))) {
          const w = workloadOfRes(r);
          if (w) covered.add(w);
        }
      }
    }
    const actions = at(x.props, 'Actions');
    return {
      region: x.stack.region,
      stack: x.stack.name,
      logicalId: x.logicalId,
      description: render(x.props.Description),
      actions: Object.values(
        actions && typeof actions === 'object' ? (actions as Record<string, unknown>) : {},
      ).map((a) => render(at(a, 'ActionId'))),
      workloads: [...covered].sort(),
    };
  });
  for (const w of workloads) {
    const mineDrills = drills.filter((d) => d.workloads.includes(w));
    mechanisms.push({
      workload: w,
      mechanism: 'fault-injection drills',
      status: mineDrills.length > 0 ? 'aligned' : 'gap',
      detail:
        mineDrills.length > 0
          ? `${mineDrills.length} FIS template(s): ${[...new Set(mineDrills.flatMap((d) => d.actions))].join(', ')}`
          : 'no FIS experiment template targets this workload',
      evidence: mineDrills.map((d) => `${d.stack} · ${d.logicalId}`).join('; ') || '—',
    });
  }
  return { declared, policies, mechanisms, drills };
}

/** Data stores of a workload, each selected by a backup plan of its Region that copies to a locked vault elsewhere. */
function backupChain(rv: Resolver, mine: readonly Res[]): Omit<Mechanism, 'workload'> {
  const stores = ofType(mine, 'AWS::S3::Bucket', 'AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table');
  const vaults = ofType(rv.resources, 'AWS::Backup::BackupVault');
  const problems: string[] = [];
  let covered = 0;
  for (const s of stores) {
    const tags = tagsOf(s);
    const region = s.stack.region;
    const selection = ofType(rv.resources, 'AWS::Backup::BackupSelection').find((sel) => {
      if (sel.stack.region !== region) return false;
      const conditions = [
        ...(Array.isArray(at(sel.props, 'BackupSelection.ListOfTags'))
          ? (at(sel.props, 'BackupSelection.ListOfTags') as unknown[])
          : []),
        ...(Array.isArray(at(sel.props, 'BackupSelection.Conditions.StringEquals'))
          ? (at(sel.props, 'BackupSelection.Conditions.StringEquals') as unknown[])
          : []),
      ];
      return conditions.some(
        (c) =>
          tags.get(render(at(c, 'ConditionKey')).replace(/^aws:ResourceTag\//, '')) ===
          render(at(c, 'ConditionValue')),
      );
    });
    if (!selection) {
      problems.push(`${s.logicalId} (${region}) not selected`);
      continue;
    }
    const plans = rv
      .targets(at(selection.props, 'BackupPlanId'), selection)
      .filter((x) => x.type === 'AWS::Backup::BackupPlan');
    const copies = plans.flatMap((pl) =>
      (Array.isArray(at(pl.props, 'BackupPlan.BackupPlanRule'))
        ? (at(pl.props, 'BackupPlan.BackupPlanRule') as unknown[])
        : []
      ).flatMap((r) => (Array.isArray(at(r, 'CopyActions')) ? (at(r, 'CopyActions') as unknown[]) : [])),
    );
    const locked = copies.some((c) => {
      const arn = render(at(c, 'DestinationBackupVaultArn'));
      const vaultRegion = /^arn:[^:]*:backup:([^:]+):/.exec(arn)?.[1];
      const name = arn.split(':backup-vault:')[1];
      const vault = vaults.find(
        (v) => render(v.props.BackupVaultName) === name && v.stack.region === vaultRegion,
      );
      return (
        vaultRegion !== region && vault !== undefined && at(vault.props, 'LockConfiguration') !== undefined
      );
    });
    if (!locked)
      problems.push(`${s.logicalId} (${region}) has no copy into a locked vault of another Region`);
    else covered++;
  }
  return {
    mechanism: 'backup copy + lock',
    status: stores.length === 0 ? 'info' : problems.length === 0 ? 'aligned' : 'gap',
    detail:
      stores.length === 0
        ? 'no data store'
        : problems.length === 0
          ? `${covered} data store(s) selected, copied off-Region into a locked vault`
          : problems.join('; '),
    evidence: stores
      .map((s) => `${s.stack.templateFile} · ${s.logicalId}`)
      .slice(0, 4)
      .join('; '),
  };
}

/**
 * Worst-case seconds before Route 53 moves traffic off a record: the alarms behind its health checks
 * (read from the templates: period, evaluation periods, the canary schedule of a probe alarm) and
 * the record TTL, through the configuration's own detection formula.
 */
export function detectionSeconds(rv: Resolver, rec: Res): number | undefined {
  const ttl = num(rec.props.TTL) ?? 0;
  const checks = rv
    .targets(rec.props.HealthCheckId, rec)
    .filter((x) => x.type === 'AWS::Route53::HealthCheck');
  const leaves: Res[] = [];
  const pending = [...checks];
  // Bounded walk: calculated checks nest, a malformed template must not loop.
  for (let i = 0; i < pending.length && i < 100; i++) {
    const hc = pending[i];
    const children = rv
      .targets(at(hc.props, 'HealthCheckConfig.ChildHealthChecks'), hc)
      .filter((x) => x.type === 'AWS::Route53::HealthCheck');
    if (children.length > 0) pending.push(...children);
    else leaves.push(hc);
  }
  const alarms = leaves.flatMap((hc) =>
    rv
      .targets(at(hc.props, 'HealthCheckConfig.AlarmIdentifier'), hc)
      .filter((a) => a.type === 'AWS::CloudWatch::Alarm'),
  );
  if (alarms.length === 0) return undefined;
  const window = (a: Res) => (num(a.props.Period) ?? 60) * (num(a.props.EvaluationPeriods) ?? 1);
  const probeAlarms = alarms.filter((a) => render(a.props.Namespace) === 'CloudWatchSynthetics');
  const ratioAlarms = alarms.filter((a) => !probeAlarms.includes(a));
  const worst = (list: Res[]) =>
    list.reduce<Res | undefined>((a, b) => (a === undefined || window(b) > window(a) ? b : a), undefined);
  const probe = worst(probeAlarms);
  const ratio = worst(ratioAlarms);
  const canary = probe
    ? rv.targets(probe.props.Dimensions, probe).find((c) => c.type === 'AWS::Synthetics::Canary')
    : undefined;
  const rateMinutes = canary ? (rateInMinutes(render(at(canary.props, 'Schedule.Expression'))) ?? 0) : 0;
  return failoverDetectionSeconds({
    probes: probe
      ? {
          rateMinutes,
          periodMinutes: (num(probe.props.Period) ?? 60) / 60,
          evaluationPeriods: num(probe.props.EvaluationPeriods) ?? 1,
        }
      : { rateMinutes: 0, periodMinutes: 0, evaluationPeriods: 0 },
    alarms: ratio
      ? {
          periodSeconds: num(ratio.props.Period) ?? 60,
          evaluationPeriods: num(ratio.props.EvaluationPeriods) ?? 1,
        }
      : { periodSeconds: 0, evaluationPeriods: 0 },
    failover: { recordTtlSeconds: ttl },
  });
}

/** `rate(5 minutes)` → 5; `rate(1 hour)` → 60. */
function rateInMinutes(expression: string): number | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(expression.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2]?.startsWith('hour') ? 60 : 1);
}

export function resilienceSection(data: ResilienceData): Section {
  const minutes = (s: number | undefined) => (s === undefined || Number.isNaN(s) ? '—' : `${s / 60} min`);
  const objectiveRows = data.declared
    ? (Object.entries(data.declared) as [string, RecoveryObjectives][]).map(([k, o]) => [
        k,
        `${o.rtoMinutes} min`,
        `${o.rpoMinutes} min`,
      ])
    : [];
  const policyRows = data.policies.map((p) => {
    const same = p.rtoSeconds === p.declaredRto && p.rpoSeconds === p.declaredRpo;
    return [
      p.stack,
      code(p.logicalId),
      p.disruption,
      minutes(p.rtoSeconds),
      minutes(p.rpoSeconds),
      Number.isNaN(p.declaredRto)
        ? status('info', 'no declared objectives loaded')
        : same
          ? status('aligned', 'same as declared')
          : status('gap', `declared ${minutes(p.declaredRto)} / ${minutes(p.declaredRpo)}`),
    ];
  });
  const workloads = [...new Set(data.mechanisms.map((m) => m.workload))];
  return {
    id: 'resilience',
    title: bi(
      'Résilience : objectifs déclarés et mécanismes trouvés',
      'Resilience: declared objectives and mechanisms found',
    ),
    blocks: [
      table(
        bi(
          'Objectifs déclarés dans la configuration (RTO / RPO)',
          'Objectives declared in the configuration (RTO / RPO)',
        ),
        [bi('Perturbation', 'Disruption'), bi('RTO', 'RTO'), bi('RPO', 'RPO')],
        objectiveRows,
        bi("Aucun objectif déclaré n'a été chargé.", 'No declared objective was loaded.'),
      ),
      table(
        bi(
          'Politiques Resilience Hub trouvées dans les modèles',
          'Resilience Hub policies found in the templates',
        ),
        [
          bi('Pile', 'Stack'),
          bi('Id logique', 'Logical id'),
          bi('Perturbation', 'Disruption'),
          bi('RTO', 'RTO'),
          bi('RPO', 'RPO'),
          bi('Face au déclaré', 'Against declared'),
        ],
        policyRows,
        bi('Aucune politique Resilience Hub.', 'No Resilience Hub policy.'),
      ),
    ],
    subsections: [
      ...workloads.map((w) => ({
        id: `resilience-${w}`,
        title: bi(`Charge de travail « ${w} »`, `Workload "${w}"`),
        blocks: [
          table(
            bi(`Mécanismes de ${w}`, `Mechanisms of ${w}`),
            [
              bi('Mécanisme', 'Mechanism'),
              bi('Statut', 'Status'),
              bi('Constat', 'Finding'),
              bi('Preuve', 'Evidence'),
            ],
            data.mechanisms
              .filter((m) => m.workload === w)
              .map((m) => [m.mechanism, status(m.status as Status), m.detail, code(m.evidence)]),
          ),
        ],
      })),
      {
        id: 'resilience-drills',
        title: bi("Exercices d'injection de pannes (FIS)", 'Fault-injection drills (FIS)'),
        blocks: [
          table(
            bi('Modèles d’expérience FIS', 'FIS experiment templates'),
            [
              bi('Région', 'Region'),
              bi('Pile', 'Stack'),
              bi('Id logique', 'Logical id'),
              bi('Description', 'Description'),
              bi('Actions', 'Actions'),
              bi('Charges couvertes', 'Workloads covered'),
            ],
            data.drills.map((d) => [
              d.region,
              d.stack,
              code(d.logicalId),
              d.description,
              code(d.actions.join(', ')),
              d.workloads.join(', ') || '—',
            ]),
            bi('Aucun exercice.', 'No drill.'),
          ),
        ],
      },
    ],
  };
}
