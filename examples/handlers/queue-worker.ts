// The worker of the QueueBackedWriteApi example: an SQS batch handler that reports only the
// messages it could not handle, so SQS redelivers those (and, after maxReceiveCount, dead-letters
// them) without replaying the whole batch.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const request = JSON.parse(record.body) as { readonly email?: unknown };
      if (typeof request.email !== 'string') throw new Error('no email');
      // Write to your store here, idempotently on record.messageAttributes.requestId.
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return Promise.resolve({ batchItemFailures });
}
