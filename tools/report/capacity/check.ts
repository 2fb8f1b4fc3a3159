import {
  DEFAULT_WARM_THROUGHPUT,
  READS_PER_BOOKING,
  SECONDS_PER_READ,
  WRITES_PER_BOOKING,
  bookingCapacity,
  minutesOfDay,
  tasksFor,
} from '../../../lib';
import type { Evidence } from '../cfn';
import { bi, type Bi } from '../model';
import { writesOnly, type RateRuleView } from '../waf';
import type { CapacityInput, Configured, QueueApiRegion, WebServiceRegion } from './extract';
import type { CapacityProfile, Quota } from './profile';

/**
 * peak: the declared peak with a warm cache; opening: the first minutes, cold cache. In both, each
 * application Region is assumed to carry the whole surge: origin groups send every read to their
 * primary, latency routing sends a national crowd to its nearest Region, and after a Region loss the
 * other one carries everything.
 */
export type Scenario = 'peak' | 'opening';

export type LayerStatus = 'fits' | 'tight' | 'saturates' | 'info';

export interface Layer {
  /** Stable id: `<workload>.<layer>@<region>[#<detail>]/<scenario>`. */
  readonly id: string;
  readonly layer: string;
  readonly workload: string;
  /** Application Region, or "global" for the edge. */
  readonly region: string;
  readonly scenario: Scenario;
  readonly title: Bi;
  readonly demand: number;
  readonly unit: string;
  /** How the demand was computed, in words, with the declared figures. */
  readonly basis: string;
  readonly configured?: { readonly value: number; readonly evidence: Evidence };
  readonly quota?: Quota & { readonly name: string };
  /** What the layer can carry: the lower of configured and quota. Undefined: nothing to set it against. */
  readonly capacity?: number;
  readonly headroom?: number;
  readonly required: number;
  /** The layer has a setting Rempart writes into the templates: it counts for the verdict. */
  readonly rempartConfigured: boolean;
  readonly status: LayerStatus;
  readonly note?: string;
}

export interface QuotaRequest {
  readonly region: string;
  readonly quota: string;
  readonly current: number;
  readonly needed: number;
  readonly source: string;
  readonly reason: string;
}

export interface CapacityReport {
  readonly requiredHeadroom: number;
  readonly figures: readonly {
    readonly workload: string;
    readonly name: string;
    readonly value: number;
    readonly unit: string;
  }[];
  readonly layers: readonly Layer[];
  /** Every layer Rempart configures keeps the required headroom at the declared peak. */
  readonly fits: boolean;
  /** Layers Rempart configures that miss the required headroom at the declared peak. */
  readonly failing: readonly Layer[];
  /** Lowest headroom at the declared peak: the layer that saturates first as the crowd grows. */
  readonly firstToSaturate?: Layer;
  /** Same during the opening minutes (cold cache). */
  readonly firstToSaturateAtOpening?: Layer;
  readonly quotaRequests: readonly QuotaRequest[];
  readonly notes: readonly string[];
}

interface LayerSpec {
  readonly layer: string;
  readonly workload: string;
  readonly region: string;
  readonly scenario?: Scenario;
  readonly detail?: string;
  readonly title: Bi;
  readonly demand: number;
  readonly unit: string;
  readonly basis: string;
  readonly configured?: Configured;
  readonly quota?: Quota & { readonly name: string };
  /** Overrides min(configured, quota), e.g. a quota minus what must stay free. */
  readonly capacity?: number;
  readonly required: number;
  readonly rempartConfigured: boolean;
  readonly informational?: boolean;
  readonly note?: string;
}

function layer(spec: LayerSpec): Layer {
  const capacity =
    spec.capacity ??
    (spec.configured || spec.quota
      ? Math.min(spec.configured?.value ?? Infinity, spec.quota?.value ?? Infinity)
      : undefined);
  const headroom = capacity === undefined ? undefined : spec.demand > 0 ? capacity / spec.demand : Infinity;
  // A tiny tolerance: settings are rounded up from the same arithmetic, 1.4999999 is 1.5.
  const status: LayerStatus =
    spec.informational || headroom === undefined
      ? 'info'
      : headroom + 1e-9 >= spec.required
        ? 'fits'
        : headroom + 1e-9 >= 1
          ? 'tight'
          : 'saturates';
  const scenario = spec.scenario ?? 'peak';
  return {
    id: `${spec.workload}.${spec.layer}@${spec.region}${spec.detail ? `#${spec.detail}` : ''}/${scenario}`,
    layer: spec.layer,
    workload: spec.workload,
    region: spec.region,
    scenario,
    title: spec.title,
    demand: spec.demand,
    unit: spec.unit,
    basis: spec.basis,
    configured: spec.configured,
    quota: spec.quota,
    capacity,
    headroom,
    required: spec.required,
    rempartConfigured: spec.rempartConfigured && !spec.informational,
    status,
    note: spec.note,
  };
}

const q = (quota: Quota, name: string): Quota & { name: string } => ({ ...quota, name });

/** Set every layer the templates configure against the declared surge and the account quotas. */
export function checkCapacity(input: CapacityInput, profile: CapacityProfile): CapacityReport {
  const layers: Layer[] = [];
  const figures: CapacityReport['figures'][number][] = [];
  const notes: string[] = [];
  const requests: QuotaRequest[] = [];
  const required = profile.requiredHeadroom;
  const quotas = profile.quotas;

  const booking = profile.booking && input.workloads.get('booking');
  if (profile.booking && booking) {
    const p = profile.booking;
    const cap = bookingCapacity(p);
    const originReadsWarm = cap.originRequestsPerSecond - cap.apiWritesPerSecond - cap.joinsPerSecond;
    const originReadsCold = cap.originRequestsPerSecondCold - cap.apiWritesPerSecond - cap.joinsPerSecond;
    const firstHourWrites = p.surge.eligiblePeople * p.surge.firstHourShare * p.surge.writesPerPerson;
    figures.push(
      {
        workload: 'booking',
        name: 'people per second at the peak',
        value: cap.peakPeoplePerSecond,
        unit: 'people/s',
      },
      { workload: 'booking', name: 'reads at the edge', value: cap.edgeReadsPerSecond, unit: 'requests/s' },
      { workload: 'booking', name: 'writes at the edge', value: cap.edgeWritesPerSecond, unit: 'requests/s' },
      {
        workload: 'booking',
        name: 'people admitted per second (waiting room)',
        value: cap.admittedPeoplePerSecond,
        unit: 'people/s',
      },
      { workload: 'booking', name: 'waiting-room joins', value: cap.joinsPerSecond, unit: 'requests/s' },
      {
        workload: 'booking',
        name: 'requests reaching the origin, warm cache',
        value: cap.originRequestsPerSecond,
        unit: 'requests/s',
      },
      {
        workload: 'booking',
        name: 'requests reaching the origin, cold cache',
        value: cap.originRequestsPerSecondCold,
        unit: 'requests/s',
      },
      { workload: 'booking', name: 'writes in the first hour', value: firstHourWrites, unit: 'messages' },
    );
    const perPersonAll = p.surge.readsPerPerson + p.surge.writesPerPerson;
    for (const e of booking.edge) {
      layers.push(
        layer({
          layer: 'edge-requests',
          workload: 'booking',
          region: 'global',
          detail: e.distribution.logicalId,
          title: bi('Requêtes à la périphérie (CloudFront)', 'Requests at the edge (CloudFront)'),
          demand: cap.edgeReadsPerSecond + cap.edgeWritesPerSecond,
          unit: 'requests/s',
          basis: `${fmtn(cap.edgeReadsPerSecond)} reads + ${fmtn(cap.edgeWritesPerSecond)} writes per second`,
          quota: q(quotas.cloudFrontRequestsPerSecond, 'CloudFront requests per second per distribution'),
          required,
          rempartConfigured: false,
        }),
      );
      layers.push(
        ...rateRuleLayers(
          'booking',
          e.rules,
          required,
          {
            all: perPersonAll,
            writes: p.surge.writesPerPerson,
            perAddress: p.peoplePerAddress,
            who: 'person',
            group: 'people behind one shared address',
          },
          notes,
        ),
      );
    }
    const drainByRegion = new Map<string, number>();
    for (const r of booking.queueApi) {
      layers.push(
        ...queueApiLayers(r, p, cap, originReadsWarm, originReadsCold, firstHourWrites, profile, notes),
      );
      if (r.worker)
        drainByRegion.set(
          r.region,
          (r.worker.maxConcurrency.value * r.worker.batchSize.value) / p.secondsPerBooking,
        );
    }
    const bookingsPerSecond = [...drainByRegion.values()].reduce((a, b) => a + b, 0);
    for (const t of booking.tables) {
      const writeDemand = bookingsPerSecond * WRITES_PER_BOOKING;
      layers.push(
        layer({
          layer: 'table-writes',
          workload: 'booking',
          region: t.replicas.join('+'),
          detail: t.name,
          title: bi('Écritures sur la table (unités/s)', 'Table writes (units/s)'),
          demand: writeDemand,
          unit: 'write units/s',
          basis: `${[...drainByRegion].map(([reg, v]) => `${reg} worker ${fmtn(v)} bookings/s`).join(' + ')} × ${WRITES_PER_BOOKING} writes per booking (every Region's worker draining at once)`,
          configured: t.warmWrites,
          quota: q(quotas.tableWriteUnitsPerSecond, 'DynamoDB table write units per second'),
          capacity: Math.min(
            t.warmWrites?.value ?? DEFAULT_WARM_THROUGHPUT.writeUnitsPerSecond,
            quotas.tableWriteUnitsPerSecond.value,
          ),
          required,
          rempartConfigured: t.warmWrites !== undefined,
          note: t.warmWrites
            ? 'warm throughput: available from the first second'
            : `no warm throughput: a new on-demand table absorbs about ${DEFAULT_WARM_THROUGHPUT.writeUnitsPerSecond} write units/s at once`,
        }),
      );
      for (const scenario of ['peak', 'opening'] as const) {
        const reads = scenario === 'peak' ? originReadsWarm : originReadsCold;
        layers.push(
          layer({
            layer: 'table-reads',
            workload: 'booking',
            region: t.replicas.join('+'),
            detail: t.name,
            scenario,
            title: bi('Lectures sur la table (unités/s)', 'Table reads (units/s)'),
            demand: bookingsPerSecond * READS_PER_BOOKING + reads,
            unit: 'read units/s',
            basis: `${fmtn(bookingsPerSecond)} bookings/s × ${READS_PER_BOOKING} read + ${fmtn(reads)} origin reads/s (${scenario === 'peak' ? 'warm' : 'cold'} cache)`,
            configured: t.warmReads,
            quota: q(quotas.tableReadUnitsPerSecond, 'DynamoDB table read units per second'),
            capacity: Math.min(
              t.warmReads?.value ?? DEFAULT_WARM_THROUGHPUT.readUnitsPerSecond,
              quotas.tableReadUnitsPerSecond.value,
            ),
            required: scenario === 'peak' ? required : 1,
            rempartConfigured: t.warmReads !== undefined,
          }),
        );
      }
    }
  }

  const ent = profile.ent && input.workloads.get('ent');
  if (profile.ent && ent) {
    const p = profile.ent;
    const requestsPerSecond = p.surge.peakLoginsPerSecond * p.surge.requestsPerLogin;
    const peakTasks = tasksFor(p.surge.peakLoginsPerSecond, p.loginsPerSecondPerTask);
    figures.push(
      {
        workload: 'ent',
        name: 'logins per second at the peak',
        value: p.surge.peakLoginsPerSecond,
        unit: 'logins/s',
      },
      { workload: 'ent', name: 'requests reaching the origin', value: requestsPerSecond, unit: 'requests/s' },
      { workload: 'ent', name: 'tasks that carry the peak', value: peakTasks, unit: 'tasks' },
    );
    for (const e of ent.edge) {
      layers.push(
        layer({
          layer: 'edge-requests',
          workload: 'ent',
          region: 'global',
          detail: e.distribution.logicalId,
          title: bi('Requêtes à la périphérie (CloudFront)', 'Requests at the edge (CloudFront)'),
          demand: requestsPerSecond,
          unit: 'requests/s',
          basis: `${fmtn(p.surge.peakLoginsPerSecond)} logins/s × ${p.surge.requestsPerLogin} requests per login`,
          quota: q(quotas.cloudFrontRequestsPerSecond, 'CloudFront requests per second per distribution'),
          required,
          rempartConfigured: false,
        }),
      );
      layers.push(
        ...rateRuleLayers(
          'ent',
          e.rules,
          required,
          {
            all: p.surge.requestsPerLogin,
            writes: undefined,
            perAddress: p.usersPerAddress,
            who: 'user',
            group: 'pupils behind one school address',
          },
          notes,
        ),
      );
    }
    for (const w of ent.web) layers.push(...webLayers(w, p, peakTasks, profile, notes));
  }

  for (const [region, reserved] of input.lambdaReserved) {
    const reservable = quotas.lambdaConcurrentExecutions.value - quotas.lambdaUnreservedMinimum.value;
    layers.push(
      layer({
        layer: 'lambda-reservations',
        workload: 'account',
        region,
        title: bi('Concurrence Lambda réservée dans la Région', 'Lambda concurrency reserved in the Region'),
        demand: reserved.sum,
        unit: 'concurrent executions',
        basis: `sum of ReservedConcurrentExecutions of ${reserved.evidence.length} function(s)`,
        configured: reserved.evidence[0]
          ? { value: reserved.sum, evidence: reserved.evidence[0] }
          : undefined,
        quota: q(quotas.lambdaConcurrentExecutions, 'Lambda concurrent executions'),
        capacity: reservable,
        required,
        rempartConfigured: true,
        note: `${quotas.lambdaUnreservedMinimum.value} executions always stay unreserved`,
      }),
    );
  }

  const failing = layers.filter(
    (l) => l.scenario === 'peak' && l.rempartConfigured && (l.status === 'tight' || l.status === 'saturates'),
  );
  const lowest = (scenario: Scenario) =>
    layers
      .filter((l) => l.scenario === scenario && l.status !== 'info' && l.headroom !== undefined)
      .reduce<Layer | undefined>(
        (a, b) => (a === undefined || (b.headroom ?? Infinity) < (a.headroom ?? Infinity) ? b : a),
        undefined,
      );

  for (const l of layers) {
    if (!l.quota || l.status === 'info' || l.workload === 'account') continue;
    const needed = Math.ceil(
      Math.max(
        l.demand * l.required,
        l.configured && l.quota.name.startsWith('API Gateway') ? l.configured.value : 0,
      ),
    );
    if (needed > l.quota.value) {
      requests.push({
        region: l.region,
        quota: l.quota.name,
        current: l.quota.value,
        needed,
        source: l.quota.source,
        reason: `${l.workload} ${l.title.en} (${l.scenario}): ${fmtn(l.demand)} ${l.unit} × ${l.required}`,
      });
    }
  }
  for (const l of layers.filter((x) => x.layer === 'lambda-reservations')) {
    const needed = Math.ceil(l.demand * required) + quotas.lambdaUnreservedMinimum.value;
    if (needed > quotas.lambdaConcurrentExecutions.value) {
      requests.push({
        region: l.region,
        quota: 'Lambda concurrent executions',
        current: quotas.lambdaConcurrentExecutions.value,
        needed,
        source: quotas.lambdaConcurrentExecutions.source,
        reason: `${fmtn(l.demand)} reserved × ${required} + ${quotas.lambdaUnreservedMinimum.value} unreserved`,
      });
    }
  }
  for (const l of layers.filter((x) => x.layer === 'fargate-vcpu')) {
    requests.push({
      region: l.region,
      quota: 'Fargate On-Demand vCPU resource count',
      current: NaN,
      needed: Math.ceil(l.demand),
      source: 'account-specific (not declared in the configuration)',
      reason: `verify the applied value: ${l.basis}`,
    });
  }
  // One line per Region and quota: the largest need wins.
  const merged = new Map<string, QuotaRequest>();
  for (const r of requests) {
    const k = `${r.region}|${r.quota}`;
    const prev = merged.get(k);
    if (!prev || r.needed > prev.needed) merged.set(k, r);
  }

  return {
    requiredHeadroom: required,
    figures,
    layers,
    fits: failing.length === 0,
    failing,
    firstToSaturate: lowest('peak'),
    firstToSaturateAtOpening: lowest('opening'),
    quotaRequests: [...merged.values()].sort(
      (a, b) => a.region.localeCompare(b.region) || a.quota.localeCompare(b.quota),
    ),
    notes,
  };
}

interface PerKeyDemand {
  /** Requests one client sends within a window (all methods). */
  readonly all: number;
  /** Writes one client sends within a window; undefined when the profile does not declare it. */
  readonly writes?: number;
  readonly perAddress?: number;
  readonly who: string;
  readonly group: string;
}

function rateRuleLayers(
  workload: string,
  rules: readonly (RateRuleView & { readonly evidence: Evidence })[],
  required: number,
  d: PerKeyDemand,
  notes: string[],
): Layer[] {
  const out: Layer[] = [];
  for (const r of rules) {
    if (r.action !== 'Block') continue;
    const perClient = writesOnly(r) ? d.writes : d.all;
    const configured = { value: r.limit, evidence: r.evidence };
    const scope = `${r.limit} per ${r.windowSeconds} s per ${r.keys.join(' + ')}${r.methods.length ? ` (${r.methods.join('/')})` : ''}`;
    if (perClient === undefined) {
      out.push(
        layer({
          layer: 'waf-rate-rule',
          workload,
          region: 'global',
          detail: r.name,
          title: bi(`Règle de débit ${r.name}`, `Rate rule ${r.name}`),
          demand: 0,
          unit: 'requests/window',
          basis: `writes per ${d.who} are not declared`,
          configured,
          required,
          rempartConfigured: true,
          informational: true,
          note: scope,
        }),
      );
      continue;
    }
    if (!r.perAddress) {
      out.push(
        layer({
          layer: 'waf-rate-rule',
          workload,
          region: 'global',
          detail: r.name,
          title: bi(`Règle de débit ${r.name} (par client)`, `Rate rule ${r.name} (per client)`),
          demand: perClient,
          unit: `requests per ${d.who} per ${r.windowSeconds} s`,
          basis: `every request of one ${d.who}'s visit inside one window`,
          configured,
          required,
          rempartConfigured: true,
          note: scope,
        }),
      );
      continue;
    }
    const largest = Math.floor(r.limit / (perClient * required));
    if (d.perAddress === undefined) {
      notes.push(
        `${workload}: the number of ${d.group} is not declared; ${r.name} lets up to ${largest} of them through with ${required}× headroom`,
      );
    }
    out.push(
      layer({
        layer: 'waf-rate-rule',
        workload,
        region: 'global',
        detail: r.name,
        title: bi(`Règle de débit ${r.name} (par adresse)`, `Rate rule ${r.name} (per address)`),
        demand: d.perAddress === undefined ? 0 : d.perAddress * perClient,
        unit: `requests per address per ${r.windowSeconds} s`,
        basis:
          d.perAddress === undefined
            ? `${d.group}: not declared; the rule fits up to ${largest} of them (${fmtn(perClient)} requests each)`
            : `${d.perAddress} ${d.group} × ${fmtn(perClient)} requests`,
        configured,
        required,
        rempartConfigured: true,
        informational: d.perAddress === undefined,
        note: scope,
      }),
    );
  }
  return out;
}

function queueApiLayers(
  r: QueueApiRegion,
  p: NonNullable<CapacityProfile['booking']>,
  cap: ReturnType<typeof bookingCapacity>,
  originReadsWarm: number,
  originReadsCold: number,
  firstHourWrites: number,
  profile: CapacityProfile,
  notes: string[],
): Layer[] {
  const out: Layer[] = [];
  const required = profile.requiredHeadroom;
  const quotas = profile.quotas;
  if (r.stage) {
    for (const scenario of ['peak', 'opening'] as const) {
      const demand = scenario === 'peak' ? cap.originRequestsPerSecond : cap.originRequestsPerSecondCold;
      out.push(
        layer({
          layer: 'api-stage',
          workload: 'booking',
          region: r.region,
          scenario,
          title: bi("Débit de l'étape d'API (origine)", 'API stage rate (origin)'),
          demand,
          unit: 'requests/s',
          basis: `${fmtn(scenario === 'peak' ? originReadsWarm : originReadsCold)} reads/s past a ${scenario === 'peak' ? 'warm' : 'cold'} cache (${scenario === 'peak' ? p.surge.cacheHitRatio : p.surge.coldCacheHitRatio} hit ratio) + ${fmtn(cap.apiWritesPerSecond)} admitted writes/s + ${fmtn(cap.joinsPerSecond)} waiting-room joins/s; this Region carries everything`,
          configured: r.stage.rate,
          quota: q(quotas.apiGatewayRequestsPerSecond, 'API Gateway requests per second (account, Region)'),
          required: scenario === 'peak' ? required : 1,
          rempartConfigured: true,
        }),
      );
    }
    if (r.stage.burst && r.stage.burst.value > quotas.apiGatewayBurst.value) {
      notes.push(
        `${r.region}: the stage burst (${r.stage.burst.value}) is above the account burst quota (${quotas.apiGatewayBurst.value}); the quota binds`,
      );
    }
    for (const m of r.stage.methods.filter((x) =>
      ['POST', 'PUT', 'PATCH', 'DELETE'].includes(x.httpMethod),
    )) {
      out.push(
        layer({
          layer: 'api-write-method',
          workload: 'booking',
          region: r.region,
          detail: `${m.httpMethod} ${m.path}`,
          title: bi(`Débit de ${m.httpMethod} ${m.path}`, `${m.httpMethod} ${m.path} rate`),
          demand: writeMethodDemand(m.path, cap),
          unit: 'requests/s',
          basis: writeMethodBasis(m.path, cap, p.surge.writesPerPerson),
          configured: m.rate,
          quota: q(quotas.apiGatewayRequestsPerSecond, 'API Gateway requests per second (account, Region)'),
          required,
          rempartConfigured: true,
        }),
      );
    }
  }
  if (r.readFunctions.length > 0) {
    const reserved = r.readFunctions.reduce((a, f) => a + f.value, 0);
    const first = r.readFunctions[0];
    out.push(
      layer({
        layer: 'read-functions',
        workload: 'booking',
        region: r.region,
        title: bi('Fonctions de lecture (concurrence réservée)', 'Read functions (reserved concurrency)'),
        demand: originReadsWarm * SECONDS_PER_READ,
        unit: 'concurrent executions',
        basis: `${fmtn(originReadsWarm)} origin reads/s × ${SECONDS_PER_READ} s per read; ${r.readFunctions.length} function(s) reserve ${reserved}`,
        configured: { value: reserved, evidence: first.evidence },
        required,
        rempartConfigured: true,
      }),
    );
  }
  if (r.worker) {
    const w = r.worker;
    const drain = (w.maxConcurrency.value * w.batchSize.value) / p.secondsPerBooking;
    out.push(
      layer({
        layer: 'worker-pace',
        workload: 'booking',
        region: r.region,
        title: bi(
          'Rythme du consommateur face aux écritures de la foule',
          "Worker pace against the crowd's writes",
        ),
        demand: cap.apiWritesPerSecond,
        unit: 'bookings/s',
        basis: `MaximumConcurrency ${w.maxConcurrency.value} × batch ${w.batchSize.value} ÷ ${p.secondsPerBooking} s per booking = ${fmtn(drain)} bookings/s`,
        configured: { value: drain, evidence: w.maxConcurrency.evidence },
        required: 1,
        rempartConfigured: false,
        informational: true,
        note:
          drain < cap.apiWritesPerSecond
            ? `by design the queue absorbs ${fmtn(cap.apiWritesPerSecond - drain)} bookings/s at the peak`
            : 'the worker keeps up with the crowd',
      }),
      layer({
        layer: 'worker-concurrency',
        workload: 'booking',
        region: r.region,
        title: bi('Concurrence réservée du consommateur', 'Worker reserved concurrency'),
        demand: w.maxConcurrency.value,
        unit: 'concurrent executions',
        basis: `the SQS event source runs up to MaximumConcurrency ${w.maxConcurrency.value}`,
        configured: w.reservedConcurrency,
        quota: q(quotas.sqsEventSourceMaxConcurrency, 'SQS event source maximum concurrency'),
        required: 1,
        rempartConfigured: true,
        note: w.reservedConcurrency
          ? undefined
          : 'no reserved concurrency: other functions can starve the worker',
      }),
      layer({
        layer: 'queue-in-flight',
        workload: 'booking',
        region: r.region,
        title: bi('Messages en cours de traitement (file)', 'In-flight messages (queue)'),
        demand: w.maxConcurrency.value * w.batchSize.value,
        unit: 'messages',
        basis: `MaximumConcurrency ${w.maxConcurrency.value} × batch ${w.batchSize.value}`,
        quota: q(quotas.sqsInFlightMessages, 'SQS in-flight messages per standard queue'),
        required,
        rempartConfigured: false,
      }),
    );
    if (r.queueRetentionSeconds) {
      out.push(
        layer({
          layer: 'queue-backlog',
          workload: 'booking',
          region: r.region,
          title: bi('Rétention de la file face au temps de vidage', 'Queue retention against drain time'),
          demand: firstHourWrites / drain,
          unit: 's',
          basis: `${fmtn(firstHourWrites)} first-hour writes ÷ ${fmtn(drain)} bookings/s drained by this Region alone`,
          configured: r.queueRetentionSeconds,
          required,
          rempartConfigured: true,
        }),
      );
    }
  }
  return out;
}

function webLayers(
  w: WebServiceRegion,
  p: NonNullable<CapacityProfile['ent']>,
  peakTasks: number,
  profile: CapacityProfile,
  notes: string[],
): Layer[] {
  const out: Layer[] = [];
  const required = profile.requiredHeadroom;
  const quotas = profile.quotas;
  const basis = `${fmtn(p.surge.peakLoginsPerSecond)} logins/s ÷ ${p.loginsPerSecondPerTask} per task`;
  if (w.maxTasks) {
    out.push(
      layer({
        layer: 'tasks-max',
        workload: 'ent',
        region: w.region,
        title: bi('Nombre maximal de tâches', 'Maximum task count'),
        demand: peakTasks,
        unit: 'tasks',
        basis,
        configured: w.maxTasks,
        required,
        rempartConfigured: true,
      }),
    );
  }
  // The floor in force when the surge starts: the last scheduled action of a school day before the peak.
  const peak = minutesOfDay(p.surge.peakStartsAt);
  const schoolDays = p.surge.schoolDays;
  const before = w.scheduled
    .filter(
      (a) =>
        a.minuteOfDay !== undefined &&
        a.min !== undefined &&
        (a.minuteOfDay ?? 0) <= peak &&
        schoolDays.every((d) => a.days.includes(d)),
    )
    .sort((a, b) => (a.minuteOfDay ?? 0) - (b.minuteOfDay ?? 0));
  const prescale = before[before.length - 1];
  for (const a of w.scheduled) {
    if (a.timezone !== p.surge.timeZone)
      notes.push(
        `${w.region}: scheduled action ${a.name} runs in ${a.timezone}, the surge is declared in ${p.surge.timeZone}`,
      );
  }
  const floor: Configured | undefined =
    prescale?.min !== undefined ? { value: prescale.min, evidence: prescale.evidence } : w.minTasks;
  if (floor) {
    out.push(
      layer({
        layer: 'tasks-at-peak',
        workload: 'ent',
        region: w.region,
        title: bi('Tâches en service au début du pic', 'Tasks running when the surge starts'),
        demand: peakTasks,
        unit: 'tasks',
        basis: `${basis}; floor ${prescale ? `set by ${prescale.name}` : 'MinCapacity (no scheduled pre-scaling before the peak)'}`,
        configured: floor,
        required,
        rempartConfigured: true,
      }),
    );
  }
  if (prescale && prescale.minuteOfDay !== undefined && prescale.min !== undefined) {
    const previous = w.scheduled
      .filter((a) => a !== prescale && a.min !== undefined)
      .map((a) => a.min as number)
      .concat(w.minTasks ? [w.minTasks.value] : []);
    const from = previous.length ? Math.min(...previous) : 0;
    const launches = Math.max(0, prescale.min - from);
    const launchSeconds =
      Math.max(0, launches - quotas.fargateTaskLaunchBurst.value) / quotas.fargateTaskLaunchRate.value;
    const grace = w.healthCheckGraceSeconds?.value ?? 0;
    out.push(
      layer({
        layer: 'prescale-lead',
        workload: 'ent',
        region: w.region,
        title: bi('Avance du pré-dimensionnement', 'Pre-scaling lead time'),
        demand: launchSeconds + grace,
        unit: 's',
        basis: `${launches} task launches (${quotas.fargateTaskLaunchBurst.value} at once, then ${quotas.fargateTaskLaunchRate.value}/s) + ${grace} s health check grace`,
        configured: { value: (peak - prescale.minuteOfDay) * 60, evidence: prescale.evidence },
        required,
        rempartConfigured: true,
        note: `pre-scaling at ${clock(prescale.minuteOfDay)}, surge at ${p.surge.peakStartsAt} (${p.surge.timeZone})`,
      }),
    );
  }
  if (w.maxTasks && w.taskVcpu) {
    out.push(
      layer({
        layer: 'fargate-vcpu',
        workload: 'ent',
        region: w.region,
        title: bi('vCPU Fargate à la capacité maximale', 'Fargate vCPU at maximum capacity'),
        demand: w.maxTasks.value * w.taskVcpu.value,
        unit: 'vCPU',
        basis: `${w.maxTasks.value} tasks × ${w.taskVcpu.value} vCPU`,
        quota: quotas.fargateOnDemandVcpu
          ? q(quotas.fargateOnDemandVcpu, 'Fargate On-Demand vCPU resource count')
          : undefined,
        required: 1,
        rempartConfigured: false,
        informational: !quotas.fargateOnDemandVcpu,
        note: quotas.fargateOnDemandVcpu
          ? undefined
          : 'the account quota is not declared: verify it before the opening',
      }),
    );
  }
  return out;
}

function clock(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

function fmtn(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** What each write method of the booking API carries: waiting-room joins and entries, or bookings. */
function writeMethodDemand(path: string, cap: ReturnType<typeof bookingCapacity>): number {
  if (path.endsWith('/admission/join')) return cap.joinsPerSecond;
  if (path.endsWith('/admission/enter')) return cap.admittedPeoplePerSecond;
  return cap.apiWritesPerSecond;
}

function writeMethodBasis(
  path: string,
  cap: ReturnType<typeof bookingCapacity>,
  writesPerPerson: number,
): string {
  if (path.endsWith('/admission/join')) return `${fmtn(cap.joinsPerSecond)} people/s join the waiting room`;
  if (path.endsWith('/admission/enter'))
    return `${fmtn(cap.admittedPeoplePerSecond)} admitted people/s enter`;
  return `${fmtn(cap.admittedPeoplePerSecond)} admitted people/s × ${writesPerPerson} writes`;
}
