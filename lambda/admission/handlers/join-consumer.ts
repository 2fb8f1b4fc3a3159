import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoAdmissionStore } from '../adapters/admission-store';
import { documentClient } from '../adapters/dynamodb';
import { recordJoins } from '../domain/join';
import { AdmissionMetric } from '../domain/metrics';
import { MalformedJoinError, parseJoinMessage, type JoinMessage } from '../domain/model';
import type { JoinPort } from '../domain/ports';
import type { AdmissionSettings } from '../domain/settings';
import { ADMISSION_ENV, admissionLogger, admissionMetrics, requiredEnv, settingsFromEnv } from './runtime';

export interface JoinConsumerDeps {
  readonly port: JoinPort;
  readonly settings: AdmissionSettings;
  readonly region: string;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  /** Counter shard of one invocation. @default uniformly random */
  readonly pickShard?: () => number;
}

export type JoinConsumerHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * Drains the join queue. The whole batch reserves its sequence numbers together (one counter
 * write per group, on one random shard of this Region), so the counters take one write per batch,
 * not per person. A malformed message fails alone and ends in the dead-letter queue; a storage
 * error fails the batch's valid joins, which SQS redelivers (tickets already written are kept).
 */
export function makeJoinConsumer(deps: JoinConsumerDeps): JoinConsumerHandler {
  const now = deps.now ?? Date.now;
  const pickShard = deps.pickShard ?? (() => Math.floor(Math.random() * deps.settings.shardsPerRegion));
  return async (event) => {
    const failures: { itemIdentifier: string }[] = [];
    const joins: { messageId: string; join: JoinMessage }[] = [];
    for (const record of event.Records) {
      try {
        const attr = record.messageAttributes;
        joins.push({
          messageId: record.messageId,
          join: parseJoinMessage(
            record.body,
            {
              ticketId: attr.ticketId?.stringValue,
              acceptedAt: attr.acceptedAt?.stringValue,
              contentType: attr.contentType?.stringValue,
            },
            deps.settings.cohorts,
          ),
        });
      } catch (e) {
        if (!(e instanceof MalformedJoinError)) throw e;
        // Never log the body: it holds a secret hash (or, from a form, the secret).
        deps.logger?.warn('malformed join', { messageId: record.messageId, reason: e.message });
        deps.metrics?.addMetric(AdmissionMetric.malformedJoins, MetricUnit.Count, 1);
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    if (joins.length) {
      try {
        const report = await recordJoins(
          deps.port,
          deps.settings,
          { region: deps.region, shard: pickShard() },
          joins.map((j) => j.join),
          now(),
        );
        deps.metrics?.addMetric(AdmissionMetric.joined, MetricUnit.Count, report.created);
        if (report.late) deps.metrics?.addMetric(AdmissionMetric.lateJoins, MetricUnit.Count, report.late);
        if (report.duplicates)
          deps.metrics?.addMetric(AdmissionMetric.duplicateJoins, MetricUnit.Count, report.duplicates);
      } catch (e) {
        deps.logger?.error('joins not recorded; the batch will be redelivered', { error: (e as Error).name });
        failures.push(...joins.map((j) => ({ itemIdentifier: j.messageId })));
      }
    }
    deps.metrics?.publishStoredMetrics();
    return { batchItemFailures: failures };
  };
}

let cached: JoinConsumerHandler | undefined;

export const handler: JoinConsumerHandler = (event) => {
  if (!cached) {
    const settings = settingsFromEnv();
    cached = makeJoinConsumer({
      port: new DynamoAdmissionStore(documentClient(), requiredEnv(ADMISSION_ENV.table), settings),
      settings,
      region: requiredEnv('AWS_REGION'),
      logger: admissionLogger(),
      metrics: admissionMetrics(settings),
    });
  }
  return cached(event);
};
