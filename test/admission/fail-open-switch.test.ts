import { Logger } from '@aws-lambda-powertools/logger';
import {
  KVS_FAIL_OPEN,
  KVS_FAIL_OPEN_VERDICT,
  kvsPathMode,
} from '../../lib/constructs/admission-control/contract';
import { renderAdmissionGateCode } from '../../lib/constructs/admission-control/edge/admission-gate-code';
import { CloudWatchAlarmStates } from '../../lambda/admission-edge/adapters/cloudwatch-alarms';
import { KeyValueSwitchStore } from '../../lambda/admission-edge/adapters/switch-store';
import type { FailOpenSettings } from '../../lambda/admission-edge/domain/fail-open';
import {
  failOpenMetrics,
  makeFailOpenSwitchHandler,
  type SwitchRun,
} from '../../lambda/admission-edge/handlers/fail-open-switch';
import { planStoreSync } from '../../lambda/admission-edge/store-sync';
import { captureOutput } from '../helpers/capture-logs';
import {
  KeyValueStoreStandIn,
  loadCloudFrontFunction,
  viewerRequestEvent,
  type ViewerRequest,
} from '../helpers/cloudfront-runtime';
import {
  FakeCloudWatch,
  FakeKeyValueStoreApi,
  alarmArn,
  alarmStateChange,
  scheduledEvent,
} from './fail-open-fakes';

const P = 'eu-west-3';
const F = 'eu-central-1';
const EVENT = 'opening-2027-01-14';
const KVS_ARN = 'arn:aws:cloudfront::111111111111:key-value-store/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const SCHEDULE = scheduledEvent('arn:aws:events:us-east-1:111111111111:rule/Rempart-Edge-Reconcile');
const PATH_CLASSES = ['booking-writes', 'accounts', 'booking-pages'];

/** The store as the deployment leaves it: keys, event, switch off, every class gated (store-sync's plan). */
function deployedStore(): KeyValueStoreStandIn {
  const plan = planStoreSync(
    {
      kvsArn: KVS_ARN,
      secretArns: { a: 'arn:secret:a', b: 'arn:secret:b' },
      currentKid: 'a',
      eventId: EVENT,
      pathClasses: PATH_CLASSES,
    },
    { a: 'A'.repeat(64), b: 'B'.repeat(64) },
    undefined,
    new Set(),
  );
  return new KeyValueStoreStandIn(Object.fromEntries(plan.puts.map((p) => [p.key, p.value])));
}

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [field: string]: unknown;
}

/** Both Regions' alarms as deployed (the stuck-cursor alarm a metric alarm, Region health a composite). */
function world(options: { extraHealth?: { readonly name: string; readonly exists: boolean } } = {}) {
  const cw = new FakeCloudWatch();
  const stuck: Record<string, string> = {
    [P]: cw.define(
      P,
      'Rempart-Booking-Api-eu-west-3-AdmissionStuckCursorAlarmD79D276B-1A2B3C4D',
      'MetricAlarm',
    ),
    [F]: cw.define(
      F,
      'Rempart-Booking-Api-eu-central-1-AdmissionStuckCursorAlarmD79D276B-5E6F7A8B',
      'MetricAlarm',
    ),
  };
  const health: Record<string, string> = {
    [P]: cw.define(P, 'Rempart-eu-west-3-RegionHealth', 'CompositeAlarm'),
    [F]: cw.define(F, 'Rempart-eu-central-1-RegionHealth', 'CompositeAlarm'),
  };
  const extra = options.extraHealth;
  const extraArn = extra ? alarmArn(P, extra.name) : undefined;
  if (extra?.exists) cw.define(P, extra.name, 'MetricAlarm');
  const store = deployedStore();
  const kvs = new FakeKeyValueStoreApi(KVS_ARN, store);
  const settings: FailOpenSettings = {
    eventId: EVENT,
    kvsArn: KVS_ARN,
    regions: [P, F].map((region) => ({
      region,
      stuckCursorAlarmArn: stuck[region],
      healthAlarmArns: [health[region], ...(extraArn && region === P ? [extraArn] : [])],
    })),
  };
  const handler = makeFailOpenSwitchHandler({
    settings,
    alarms: new CloudWatchAlarmStates(cw.clientFor),
    store: new KeyValueSwitchStore(KVS_ARN, kvs.client),
    metrics: failOpenMetrics(EVENT),
    logger: new Logger({ serviceName: 'admission' }),
  });
  /** One invocation, with what it printed: Powertools EMF metrics and log lines. */
  const invoke = async (event: unknown) => {
    let run: SwitchRun | undefined;
    let error: Error | undefined;
    const output = await captureOutput(async () => {
      try {
        run = await handler(event);
      } catch (e) {
        error = e as Error;
      }
    });
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const metrics = lines.filter((l): l is Emf => '_aws' in l);
    return { run, error, metrics, logs: lines.filter((l) => !('_aws' in l)) };
  };
  return { cw, stuck, health, store, kvs, settings, invoke };
}

const failOpen = (w: ReturnType<typeof world>) => w.store.entries.get(KVS_FAIL_OPEN);
const metricValues = (metrics: Emf[]) => metrics.map((m) => m.FailOpen);

describe('fail-open switch, on forwarded alarm events and the schedule', () => {
  it('opens the fail-open classes when the cursor is stuck, and publishes FailOpen = 1', async () => {
    const w = world();
    // The cursor stops: both Regions' controllers see it (or both are silent).
    w.cw.set(w.stuck[P], 'ALARM');
    w.cw.set(w.stuck[F], 'ALARM');
    const { run, metrics } = await w.invoke(alarmStateChange(w.stuck[P], 'ALARM', 'OK'));

    expect(run?.trigger).toBe('alarm');
    expect(run?.verdict).toEqual({ failOpen: true, cause: 'cursor-stuck' });
    expect(failOpen(w)).toBe('on');
    expect(w.store.entries.get(KVS_FAIL_OPEN_VERDICT)).toBe('on');
    expect(w.kvs.updates).toEqual([[KVS_FAIL_OPEN, KVS_FAIL_OPEN_VERDICT]]);
    // The metric the dashboards graph: namespace, dimensions and value, as CloudWatch will extract it.
    expect(metrics).toHaveLength(1);
    expect(metrics[0]._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Rempart/Admission',
        Dimensions: [expect.arrayContaining(['service', 'EventId'])],
        Metrics: [expect.objectContaining({ Name: 'FailOpen' })],
      },
    ]);
    expect(metrics[0]).toEqual(
      expect.objectContaining({ service: 'admission', EventId: EVENT, FailOpen: 1 }),
    );
  });

  it('closes them again when the cursor moves, and publishes FailOpen = 0', async () => {
    const w = world();
    w.cw.set(w.stuck[P], 'ALARM');
    w.cw.set(w.stuck[F], 'ALARM');
    await w.invoke(alarmStateChange(w.stuck[F], 'ALARM', 'OK'));
    w.cw.set(w.stuck[P], 'OK');
    w.cw.set(w.stuck[F], 'OK');
    const { run, metrics } = await w.invoke(alarmStateChange(w.stuck[P], 'OK', 'ALARM'));
    expect(run?.verdict).toEqual({ failOpen: false });
    expect(failOpen(w)).toBe('off');
    expect(metricValues(metrics)).toEqual([0]);
  });

  it("does not open the gate for everyone when one Region's controller dies and the other keeps stepping", async () => {
    const w = world();
    // eu-west-3 loses its compute: its controller is silent, so its alarm breaches on missing data.
    w.cw.set(w.stuck[P], 'ALARM');
    const { run } = await w.invoke(alarmStateChange(w.stuck[P], 'ALARM', 'OK'));
    expect(run?.verdict).toEqual({ failOpen: false });
    expect(failOpen(w)).toBe('off');
  });

  it("stays off with one Region's health alarm in ALARM, opens when every Region's is", async () => {
    const w = world();
    w.cw.set(w.health[P], 'ALARM');
    const one = await w.invoke(alarmStateChange(w.health[P], 'ALARM', 'OK', { composite: true }));
    expect(one.run?.verdict).toEqual({ failOpen: false });
    expect(failOpen(w)).toBe('off');

    w.cw.set(w.health[F], 'ALARM');
    const both = await w.invoke(alarmStateChange(w.health[F], 'ALARM', 'OK', { composite: true }));
    expect(both.run?.verdict).toEqual({ failOpen: true, cause: 'every-region-unhealthy' });
    expect(failOpen(w)).toBe('on');
    expect(metricValues(both.metrics)).toEqual([1]);
    // Region health is a composite alarm: DescribeAlarms returns it only when asked for composites.
    for (const call of w.cw.calls) expect(call.input.AlarmTypes).toContain('CompositeAlarm');
  });

  it('heals a lost event on the next scheduled reconcile', async () => {
    const w = world();
    // The state changes, but its event never arrives.
    w.cw.set(w.stuck[P], 'ALARM');
    w.cw.set(w.stuck[F], 'ALARM');
    expect(failOpen(w)).toBe('off');
    const { run } = await w.invoke(SCHEDULE);
    expect(run?.trigger).toBe('schedule');
    expect(failOpen(w)).toBe('on');
  });

  it('writes nothing when nothing changed, and still publishes the gauge', async () => {
    const w = world();
    await w.invoke(SCHEDULE); // first run records its verdict
    const etag = w.kvs.etag;
    const writes = w.kvs.updates.length;
    const runs = [
      await w.invoke(SCHEDULE),
      await w.invoke(alarmStateChange(w.stuck[P], 'OK', 'INSUFFICIENT_DATA')),
    ];
    expect(w.kvs.updates).toHaveLength(writes);
    expect(w.kvs.etag).toBe(etag);
    expect(runs.map((r) => r.run?.wrote)).toEqual([[], []]);
    expect(runs.flatMap((r) => metricValues(r.metrics))).toEqual([0, 0]);
  });

  it('trusts no event: a forged ALARM event for an alarm that is OK changes nothing', async () => {
    const w = world();
    await w.invoke(SCHEDULE);
    const { run } = await w.invoke(alarmStateChange(w.stuck[P], 'ALARM', 'OK'));
    await w.invoke(alarmStateChange(w.stuck[F], 'ALARM', 'OK'));
    expect(run?.verdict).toEqual({ failOpen: false });
    expect(failOpen(w)).toBe('off');
  });

  it('keeps a value forced by hand until the verdict changes, and reports what the edge applies', async () => {
    const w = world();
    await w.invoke(SCHEDULE);
    w.kvs.putByHand(KVS_FAIL_OPEN, 'on'); // the runbook's put-key
    const held = await w.invoke(SCHEDULE);
    expect(failOpen(w)).toBe('on');
    expect(metricValues(held.metrics)).toEqual([1]);
    // The alarms fire and clear: the verdict changes twice and the switch follows it.
    w.cw.set(w.stuck[P], 'ALARM');
    w.cw.set(w.stuck[F], 'ALARM');
    await w.invoke(SCHEDULE);
    expect(failOpen(w)).toBe('on');
    w.cw.set(w.stuck[P], 'OK');
    w.cw.set(w.stuck[F], 'OK');
    await w.invoke(SCHEDULE);
    expect(failOpen(w)).toBe('off');
  });

  it("retries a write that lost the store's ETag to an operator, and keeps the operator's change", async () => {
    const w = world();
    w.cw.set(w.stuck[P], 'ALARM');
    w.cw.set(w.stuck[F], 'ALARM');
    let slipped = false;
    w.kvs.beforeUpdate = () => {
      if (slipped) return;
      slipped = true;
      w.kvs.putByHand(kvsPathMode('accounts'), 'open');
    };
    const { run } = await w.invoke(SCHEDULE);
    expect(w.kvs.rejectedUpdates).toBe(1);
    expect(run?.wrote.map((p) => p.key)).toEqual([KVS_FAIL_OPEN, KVS_FAIL_OPEN_VERDICT]);
    expect(failOpen(w)).toBe('on');
    expect(w.store.entries.get(kvsPathMode('accounts'))).toBe('open');
  });

  it('counts a Region whose CloudWatch does not answer as impaired, not as a witness', async () => {
    const w = world();
    w.cw.down.add(P);
    const healthy = await w.invoke(SCHEDULE);
    expect(healthy.run?.verdict).toEqual({ failOpen: false });
    w.cw.set(w.health[F], 'ALARM');
    const both = await w.invoke(alarmStateChange(w.health[F], 'ALARM', 'OK', { composite: true }));
    expect(both.run?.verdict).toEqual({ failOpen: true, cause: 'every-region-unhealthy' });
    expect(both.logs).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: 'alarm states unreadable', region: P }),
    );
  });

  it('when no Region answers, leaves the store alone and fails the run (its error alarm then fires)', async () => {
    const w = world();
    w.cw.set(w.stuck[P], 'ALARM');
    w.cw.set(w.stuck[F], 'ALARM');
    await w.invoke(SCHEDULE);
    w.cw.down.add(P);
    w.cw.down.add(F);
    const writes = w.kvs.updates.length;
    const blind = await w.invoke(SCHEDULE);
    expect(blind.error?.message).toMatch(
      /no application Region's alarms could be read; adm:failopen stays on/,
    );
    expect(w.kvs.updates).toHaveLength(writes);
    expect(failOpen(w)).toBe('on');
    expect(metricValues(blind.metrics)).toEqual([1]);
  });

  it('names an alarm it cannot find, and does not count it', async () => {
    const w = world({ extraHealth: { name: 'Rempart-eu-west-3-Misnamed', exists: false } });
    w.cw.set(w.health[F], 'ALARM');
    const { run, logs } = await w.invoke(SCHEDULE);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'fail-open signals not found',
        region: P,
        alarms: ['Rempart-eu-west-3-Misnamed'],
      }),
    );
    expect(run?.readings.find((r) => r.region === P)?.health).toEqual(['OK', 'MISSING']);
    expect(run?.verdict).toEqual({ failOpen: false });
  });

  it('reads every page of DescribeAlarms', async () => {
    // Three alarms in eu-west-3 and two per page (the fake's): the last one is on the second page.
    const w = world({ extraHealth: { name: 'Rempart-eu-west-3-ProbeHealth', exists: true } });
    w.cw.set(alarmArn(P, 'Rempart-eu-west-3-ProbeHealth'), 'ALARM');
    w.cw.set(w.health[F], 'ALARM');
    const { run } = await w.invoke(SCHEDULE);
    expect(w.cw.calls.filter((c) => c.region === P).map((c) => c.input.NextToken)).toEqual([undefined, '2']);
    expect(run?.readings.find((r) => r.region === P)?.health).toEqual(['OK', 'ALARM']);
    expect(run?.verdict).toEqual({ failOpen: true, cause: 'every-region-unhealthy' });
  });
});

describe('fail-open switch end to end with the edge gate code', () => {
  const NOW = Date.UTC(2027, 0, 14, 9, 6, 0);
  const code = renderAdmissionGateCode({
    retryAfterSeconds: 10,
    paths: [
      { pathPattern: '/api/bookings', pathClass: 'booking-writes', onFailure: 'open' },
      { pathPattern: '/account/*', pathClass: 'accounts', onFailure: 'closed' },
      { pathPattern: '/*', pathClass: 'booking-pages', onFailure: 'open' },
    ],
  });
  const edge = (w: ReturnType<typeof world>, request: ViewerRequest) =>
    loadCloudFrontFunction(code, { kvs: w.store, nowMs: () => NOW }).handler(
      viewerRequestEvent(request),
    ) as Promise<{
      statusCode?: number;
      uri?: string;
    }>;
  const passes = (a: { statusCode?: number; uri?: string }) =>
    a.statusCode === undefined && typeof a.uri === 'string';

  it('a viewer without a cookie waits before the switch, passes after it, except on fail-closed paths', async () => {
    const w = world();
    const page = { uri: '/centre/42.html' };
    const write: ViewerRequest = { uri: '/api/bookings', method: 'POST' };
    const closed = { uri: '/account/me' };

    expect((await edge(w, page)).statusCode).toBe(302);
    expect((await edge(w, write)).statusCode).toBe(429);

    w.cw.set(w.stuck[P], 'ALARM');
    w.cw.set(w.stuck[F], 'ALARM');
    await w.invoke(alarmStateChange(w.stuck[F], 'ALARM', 'OK'));

    expect(passes(await edge(w, page))).toBe(true);
    expect(passes(await edge(w, write))).toBe(true);
    expect((await edge(w, closed)).statusCode).toBe(302);

    // Recovery: the gate checks cookies again.
    w.cw.set(w.stuck[P], 'OK');
    w.cw.set(w.stuck[F], 'OK');
    await w.invoke(alarmStateChange(w.stuck[F], 'OK', 'ALARM'));
    expect((await edge(w, page)).statusCode).toBe(302);
    expect((await edge(w, write)).statusCode).toBe(429);
  });
});
