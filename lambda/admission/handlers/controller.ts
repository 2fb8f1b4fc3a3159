import { randomBytes } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { DynamoAdmissionStore } from '../adapters/admission-store';
import { documentClient } from '../adapters/dynamodb';
import { controllerStep, type StepReport } from '../domain/controller';
import { AdmissionMetric } from '../domain/metrics';
import type { ControllerPort } from '../domain/ports';
import type { AdmissionSettings } from '../domain/settings';
import { ADMISSION_ENV, admissionLogger, admissionMetrics, requiredEnv, settingsFromEnv } from './runtime';

export interface ControllerDeps {
  readonly port: ControllerPort;
  readonly settings: AdmissionSettings;
  readonly region: string;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly randomSeed?: () => string;
}

/** Time kept free at the end of an invocation (a step takes well under a second). */
const END_MARGIN_MS = 4_000;
/** The schedule fires every minute. */
const RUN_MS = 56_000;

/**
 * Each Region steps at its own offset inside the step (the first Region listed first), so the
 * primary normally takes every step and the other takes over within the same step if it is gone.
 */
export function stepOffsetMs(settings: AdmissionSettings, region: string): number {
  const index = Math.max(0, settings.regions.indexOf(region));
  return 200 + index * Math.min(1_000, (settings.stepSeconds * 1000) / 4);
}

export function publishStep(metrics: Metrics | undefined, r: StepReport): void {
  if (!metrics) return;
  metrics.addMetric(AdmissionMetric.peopleWaiting, MetricUnit.Count, r.waiting);
  metrics.addMetric(
    AdmissionMetric.cursorLagSeconds,
    MetricUnit.Seconds,
    Math.max(r.cursorLagMs, r.sealLagMs) / 1000,
  );
  if (r.taken) {
    metrics.addMetric(AdmissionMetric.admitted, MetricUnit.Count, r.admitted);
    metrics.addMetric(AdmissionMetric.noShows, MetricUnit.Count, r.noShows);
  }
  metrics.publishStoredMetrics();
}

export type ControllerHandler = (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<{ steps: number; taken: number }>;

/**
 * Scheduled every minute in every Region: runs one controller step per `stepSeconds` until the
 * invocation nears its end. A failed step is logged and the loop goes on (the next step reads the
 * cursor afresh); if every step fails, CursorLagSeconds grows and the stuck-cursor alarm fires.
 */
export function makeControllerHandler(deps: ControllerDeps): ControllerHandler {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const randomSeed = deps.randomSeed ?? (() => randomBytes(32).toString('hex'));
  const stepMs = deps.settings.stepSeconds * 1000;
  const offset = stepOffsetMs(deps.settings, deps.region);
  return async (_event, context) => {
    // At most one schedule period, so that the next invocation does not overlap this one.
    const endAt = now() + Math.min(context.getRemainingTimeInMillis() - END_MARGIN_MS, RUN_MS);
    let steps = 0;
    let taken = 0;
    let failures = 0;
    for (;;) {
      const t = now();
      const at = Math.floor((t - offset) / stepMs) * stepMs + stepMs + offset;
      if (at > endAt) break;
      await sleep(at - t);
      try {
        const report = await controllerStep(deps.port, deps.settings, {
          now: now(),
          region: deps.region,
          randomSeed,
        });
        steps++;
        if (report.taken) taken++;
        publishStep(deps.metrics, report);
        if (report.taken && (report.admitted || report.sealed || report.noShows)) {
          deps.logger?.info('step', { ...report });
        }
      } catch (e) {
        failures++;
        deps.logger?.error('controller step failed', {
          error: (e as Error).name,
          message: (e as Error).message,
        });
      }
    }
    if (failures && !steps) throw new Error(`every controller step failed (${failures})`);
    return { steps, taken };
  };
}

let cached: ControllerHandler | undefined;

export const handler: ControllerHandler = (event, context) => {
  if (!cached) {
    const settings = settingsFromEnv();
    cached = makeControllerHandler({
      port: new DynamoAdmissionStore(documentClient(), requiredEnv(ADMISSION_ENV.table), settings),
      settings,
      region: requiredEnv('AWS_REGION'),
      logger: admissionLogger(),
      metrics: admissionMetrics(settings),
    });
  }
  return cached(event, context);
};
