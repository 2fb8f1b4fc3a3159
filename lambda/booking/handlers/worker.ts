import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoBookingStore } from '../adapters/booking-store';
import { CatalogueStore } from '../adapters/catalogue-store';
import { documentClient } from '../adapters/dynamodb';
import { RequestMismatchError, parseBookingMessage, type BookingMessage } from '../domain/model';
import { processMessage } from '../domain/process-booking';
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
  /** Clock (tests). @default Date.now */
  readonly now?: () => number;
}

export type WorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const METRIC = {
  CONFIRMED: 'BookingConfirmed',
  REJECTED: 'BookingRejected',
  CANCELLED: 'BookingCancelled',
} as const;

/**
 * The booking worker: each SQS record is one booking or cancellation; a record that throws becomes
 * a batch item failure (retried, then dead-lettered) without holding back the others, and a batch
 * whose every record failed is answered the same way (a partial batch response listing them all),
 * never by throwing. Records are processed concurrently within a batch.
 */
export function makeWorkerHandler(deps: WorkerDeps): WorkerHandler {
  const store = new DynamoBookingStore(deps.db, deps.tableName);
  const progress = new CatalogueStore(deps.db, deps.tableName);
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics;
  const now = deps.now ?? Date.now;
  const interval = deps.progressIntervalMs ?? 1_000;
  let lastProgressWrite = 0;

  return async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    const accepted: number[] = [];

    const recordHandler = async (record: SQSRecord): Promise<void> => {
      const at = now();
      let msg: BookingMessage;
      try {
        msg = parseBookingMessage(
          record.body,
          {
            requestId: record.messageAttributes.requestId?.stringValue,
            acceptedAt: record.messageAttributes.acceptedAt?.stringValue,
            operation: record.messageAttributes.operation?.stringValue,
            personKey: record.messageAttributes.personKey?.stringValue,
          },
          at,
        );
      } catch (e) {
        // Never log the body or the attributes: the message id finds them in the DLQ.
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
        const outcome = await processMessage(store, msg, at);
        logger.info('booking decided', {
          requestId: msg.requestId,
          kind: msg.kind,
          status: outcome.status,
          reason: outcome.status === 'CONFIRMED' ? undefined : outcome.reason,
          centreId: outcome.centreId,
          slotId: outcome.slotId,
          receiveCount: record.attributes.ApproximateReceiveCount,
        });
        metrics?.addMetric(METRIC[outcome.status], MetricUnit.Count, 1);
      } catch (e) {
        if (e instanceof RequestMismatchError) {
          logger.error('request id replayed with another body: refused', { requestId: msg.requestId });
          metrics?.addMetric('BookingRequestMismatch', MetricUnit.Count, 1);
        } else {
          logger.error('booking will be retried', { requestId: msg.requestId, error: (e as Error).name });
        }
        throw e;
      }
    };

    try {
      return await processPartialResponse(event, recordHandler, processor, {
        context,
        // A batch that failed whole is still a list of item failures: the records that succeeded
        // elsewhere are not at risk, and each failed one counts one receive, as any other failure.
        throwOnFullBatchFailure: false,
      });
    } finally {
      const t = now();
      if (accepted.length && t - lastProgressWrite >= interval) {
        lastProgressWrite = t;
        await progress.advanceProgress(deps.region, Math.min(...accepted), t).catch((e: unknown) => {
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
