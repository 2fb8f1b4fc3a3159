import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoBookingStore } from '../adapters/booking-store';
import { CatalogueStore } from '../adapters/catalogue-store';
import { documentClient } from '../adapters/dynamodb';
import { PersonBusyError, parseBookingMessage } from '../domain/model';
import { processBooking } from '../domain/process-booking';
import { requiredEnv } from './http';

export interface WorkerDeps {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Region whose progress cursor this worker moves. */
  readonly region: string;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Minimum milliseconds between two cursor writes from one execution environment. */
  readonly progressIntervalMs?: number;
}

export type WorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The booking worker: each SQS record is one booking request; a record that throws becomes a batch
 * item failure (retried, then dead-lettered) without holding back the others.
 */
export function makeWorkerHandler(deps: WorkerDeps): WorkerHandler {
  const store = new DynamoBookingStore(deps.db, deps.tableName);
  const progress = new CatalogueStore(deps.db, deps.tableName);
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics;
  const interval = deps.progressIntervalMs ?? 1_000;
  let lastProgressWrite = 0;

  return async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    const accepted: number[] = [];

    const recordHandler = async (record: SQSRecord): Promise<void> => {
      let msg;
      try {
        msg = parseBookingMessage(record.body, {
          requestId: record.messageAttributes.requestId?.stringValue,
          acceptedAt: record.messageAttributes.acceptedAt?.stringValue,
        });
      } catch (e) {
        // Never log the body: it may hold a person key. The message id finds it in the DLQ.
        logger.warn('malformed booking message', {
          messageId: record.messageId,
          reason: (e as Error).message,
        });
        metrics?.addMetric('BookingMalformed', MetricUnit.Count, 1);
        throw e;
      }
      // Every parsed record counts, decided or not: the cursor must never pass a request that this
      // batch leaves for redelivery.
      accepted.push(msg.acceptedAt);
      try {
        const outcome = await processBooking(store, msg);
        logger.info('booking decided', {
          requestId: msg.requestId,
          status: outcome.status,
          reason: outcome.status === 'REJECTED' ? outcome.reason : undefined,
          centreId: outcome.centreId,
          slotId: outcome.slotId,
          receiveCount: record.attributes.ApproximateReceiveCount,
        });
        metrics?.addMetric(
          outcome.status === 'CONFIRMED' ? 'BookingConfirmed' : 'BookingRejected',
          MetricUnit.Count,
          1,
        );
      } catch (e) {
        const level = e instanceof PersonBusyError ? 'info' : 'error';
        logger[level]('booking will be retried', { requestId: msg.requestId, error: (e as Error).name });
        throw e;
      }
    };

    try {
      return await processPartialResponse(event, recordHandler, processor, { context });
    } finally {
      const now = Date.now();
      if (accepted.length && now - lastProgressWrite >= interval) {
        lastProgressWrite = now;
        await progress.advanceProgress(deps.region, Math.min(...accepted)).catch((e: unknown) => {
          logger.warn('progress cursor not moved', { error: (e as Error).name });
        });
      }
      metrics?.publishStoredMetrics();
    }
  };
}

let cached: WorkerHandler | undefined;

/** Lambda entry point: dependencies built once per execution environment, from its environment. */
export const handler: WorkerHandler = (event, context) => {
  cached ??= makeWorkerHandler({
    db: documentClient(),
    tableName: requiredEnv('TABLE_NAME'),
    region: requiredEnv('AWS_REGION'),
    metrics: new Metrics({ namespace: 'Rempart/Booking' }),
  });
  return cached(event, context);
};
