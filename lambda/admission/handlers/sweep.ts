import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { DynamoAdmissionStore } from '../adapters/admission-store';
import { documentClient } from '../adapters/dynamodb';
import type { CursorReader, SweepPort } from '../domain/ports';
import type { AdmissionSettings } from '../domain/settings';
import { sweepOnce } from '../domain/sweep';
import { ADMISSION_ENV, admissionLogger, requiredEnv, settingsFromEnv } from './runtime';

export interface SweepDeps {
  readonly port: SweepPort & CursorReader;
  readonly settings: AdmissionSettings;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Concurrent deletes. @default 16 */
  readonly concurrency?: number;
}

export type SweepHandler = (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<{ hours: number[]; deleted: number }>;

/**
 * Scheduled: deletes expired hours one after the other while time remains. The lease lasts the
 * invocation, so the other Region's sweeper waits instead of deleting the same items; an invocation
 * that dies leaves its hour to be swept again (deletes are idempotent).
 */
export function makeSweepHandler(deps: SweepDeps): SweepHandler {
  const now = deps.now ?? Date.now;
  return async (_event, context) => {
    const hours: number[] = [];
    let deleted = 0;
    const redeemShards = (await deps.port.readCursor({ fresh: true }))?.redeemShards;
    while (context.getRemainingTimeInMillis() > 60_000) {
      const report = await sweepOnce(deps.port, deps.settings, {
        now: now(),
        leaseMs: context.getRemainingTimeInMillis(),
        concurrency: deps.concurrency ?? 16,
        redeemShards,
      });
      if (report.hour === undefined) break;
      hours.push(report.hour);
      deleted += report.deleted;
      deps.logger?.info('hour swept', { hour: report.hour, deleted: report.deleted });
    }
    return { hours, deleted };
  };
}

let cached: SweepHandler | undefined;

export const handler: SweepHandler = (event, context) => {
  if (!cached) {
    const settings = settingsFromEnv();
    cached = makeSweepHandler({
      port: new DynamoAdmissionStore(documentClient(), requiredEnv(ADMISSION_ENV.table), settings),
      settings,
      logger: admissionLogger(),
    });
  }
  return cached(event, context);
};
