import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { KVS_FAIL_OPEN } from '../../../lib/constructs/admission-control/contract';
import {
  ADMISSION_METRICS_NAMESPACE,
  ADMISSION_METRICS_SERVICE,
  AdmissionMetric,
} from '../../admission/domain/metrics';
import { CloudWatchAlarmStates } from '../adapters/cloudwatch-alarms';
import { KeyValueSwitchStore } from '../adapters/switch-store';
import {
  FAIL_OPEN_SETTINGS_ENV,
  decideFailOpen,
  effectiveFailOpen,
  parseAlarmArn,
  parseFailOpenSettings,
  parseTrigger,
  planSwitch,
  type AlarmReading,
  type FailOpenSettings,
  type KeyPut,
  type RegionReading,
  type Trigger,
  type Verdict,
} from '../domain/fail-open';
import type { AlarmStatePort, SwitchStorePort } from '../domain/ports';

export interface FailOpenSwitchDeps {
  readonly settings: FailOpenSettings;
  readonly alarms: AlarmStatePort;
  readonly store: SwitchStorePort;
  /** Publishes `FailOpen` (namespace Rempart/Admission, dimensions service and EventId). */
  readonly metrics: Metrics;
  readonly logger?: Logger;
}

export interface SwitchRun {
  readonly trigger: Trigger['kind'];
  readonly readings: readonly RegionReading[];
  /** Undefined when no Region could be read: the store was left as it was. */
  readonly verdict?: Verdict;
  /** The keys written by this run (none when the store already followed the verdict). */
  readonly wrote: readonly KeyPut[];
  /** `adm:failopen` after the run. */
  readonly value?: string;
}

/** Conditional writes lost to another writer before giving up until the next run. */
const WRITE_ATTEMPTS = 3;

/** Powertools metrics for the switch: the admission namespace, one dimension set per event. */
export function failOpenMetrics(eventId: string): Metrics {
  return new Metrics({
    namespace: ADMISSION_METRICS_NAMESPACE,
    serviceName: ADMISSION_METRICS_SERVICE,
    defaultDimensions: { EventId: eventId },
  });
}

/**
 * The fail-open switch. Invoked by forwarded "CloudWatch Alarm State Change" events and by a
 * schedule, it does the same thing for both: read every alarm in every application Region, decide
 * (`decideFailOpen`), bring `adm:failopen` in line with a conditional write when the verdict changed
 * (`planSwitch`), and publish FailOpen = 1 or 0 for what the edge now applies. A lost event is healed
 * by the next scheduled run. When no Region can be read the store is left alone and the run fails,
 * so that the function's error alarm tells someone the switch is blind.
 */
export function makeFailOpenSwitchHandler(deps: FailOpenSwitchDeps): (event: unknown) => Promise<SwitchRun> {
  const regions = deps.settings.regions.map((r) => ({
    region: r.region,
    stuckCursor: alarmName(r.stuckCursorAlarmArn),
    health: r.healthAlarmArns.map(alarmName),
  }));

  const read = async (r: (typeof regions)[number]): Promise<RegionReading> => {
    try {
      const states = await deps.alarms.readAlarmStates(r.region, [r.stuckCursor, ...r.health]);
      const reading = (name: string): AlarmReading => states.get(name) ?? 'MISSING';
      const result = {
        region: r.region,
        reachable: true,
        stuckCursor: reading(r.stuckCursor),
        health: r.health.map(reading),
      };
      const missing = [r.stuckCursor, ...r.health].filter((n) => !states.has(n));
      if (missing.length) {
        // A misnamed or undeployed alarm silently weakens the switch: say which.
        deps.logger?.error('fail-open signals not found', { region: r.region, alarms: missing });
      }
      return result;
    } catch (e) {
      deps.logger?.warn('alarm states unreadable', {
        region: r.region,
        error: (e as Error).name,
        // Powertools Logger reserves `message` for the log line itself.
        reason: (e as Error).message,
      });
      return {
        region: r.region,
        reachable: false,
        stuckCursor: 'MISSING',
        health: r.health.map(() => 'MISSING'),
      };
    }
  };

  return async (event) => {
    const trigger = parseTrigger(event);
    const readings = await Promise.all(regions.map(read));
    const verdict = decideFailOpen(readings);

    let value: string | undefined;
    let wrote: KeyPut[] = [];
    for (let attempt = 1; ; attempt++) {
      const snapshot = await deps.store.read();
      const puts = planSwitch(verdict, snapshot);
      value = snapshot.value;
      if (puts.length === 0) break;
      if (await deps.store.write(snapshot.etag, puts)) {
        wrote = puts;
        value = puts.find((p) => p.key === KVS_FAIL_OPEN)?.value ?? snapshot.value;
        break;
      }
      if (attempt >= WRITE_ATTEMPTS) {
        throw new Error(
          `the KeyValueStore changed under each of ${WRITE_ATTEMPTS} conditional writes; the next run tries again`,
        );
      }
    }

    deps.metrics.addMetric(AdmissionMetric.failOpen, MetricUnit.Count, effectiveFailOpen(value) ? 1 : 0);
    deps.metrics.publishStoredMetrics();
    const run: SwitchRun = { trigger: trigger.kind, readings, verdict, wrote, value };
    if (wrote.length || trigger.kind === 'alarm') {
      deps.logger?.info(wrote.length ? 'fail-open switch changed' : 'fail-open switch unchanged', {
        ...run,
        ...(trigger.kind === 'alarm' ? { alarm: trigger.alarmArn, state: trigger.state } : {}),
      });
    }
    if (!verdict) {
      throw new Error(
        `no application Region's alarms could be read; ${KVS_FAIL_OPEN} stays ${value ?? '(absent)'}`,
      );
    }
    return run;
  };
}

function alarmName(arn: string): string {
  const parsed = parseAlarmArn(arn);
  // Settings are checked when parsed; this guards a caller that built them by hand.
  if (!parsed) throw new Error(`"${arn}" is not a CloudWatch alarm ARN`);
  return parsed.name;
}

let cached: ((event: unknown) => Promise<SwitchRun>) | undefined;

export const handler = async (event: unknown): Promise<SwitchRun> => {
  if (!cached) {
    const json = process.env[FAIL_OPEN_SETTINGS_ENV];
    if (!json) {
      throw new Error(
        `Environment variable ${FAIL_OPEN_SETTINGS_ENV} is not set. Fix: deploy the function with AdmissionFailOpenSwitch`,
      );
    }
    const settings = parseFailOpenSettings(json);
    cached = makeFailOpenSwitchHandler({
      settings,
      alarms: new CloudWatchAlarmStates(),
      store: new KeyValueSwitchStore(settings.kvsArn),
      metrics: failOpenMetrics(settings.eventId),
      logger: new Logger({ serviceName: ADMISSION_METRICS_SERVICE }),
    });
  }
  return cached(event);
};
