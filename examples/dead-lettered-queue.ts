// DeadLetteredQueue: a queue for bursts of writes, with a dead-letter queue for what keeps failing.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { DataKey, DeadLetteredQueue, RegionalObservability } from '../lib'; // in your app: from 'rempart'
import { ALARM_THRESHOLDS } from './alarm-thresholds';

export function deadLetteredQueueExample(app: App): Stack {
  const stack = new Stack(app, 'DeadLetteredQueueExample', { env: { region: 'eu-west-3' } });
  const submissions = new DeadLetteredQueue(stack, 'Submissions', {
    encryptionKey: new DataKey(stack, 'QueueKey', { description: 'Homework submissions in transit' }).key,
    // Six times the consumer's timeout (20 s), as AWS advises for Lambda event sources.
    visibilityTimeout: Duration.minutes(2),
    maxReceiveCount: 5,
  });
  // Every message in the dead-letter queue is a request given up on: RegionalObservability pages
  // on the first one, and watches the backlog of the queue itself.
  new RegionalObservability(stack, 'Observability', {
    namePrefix: 'MyService-eu-west-3',
    thresholds: ALARM_THRESHOLDS,
    alertEmail: 'oncall@example.fr',
    queues: [
      {
        workload: 'Homework',
        label: 'Submissions',
        queue: submissions.queue,
        deadLetterQueue: submissions.deadLetterQueue,
      },
    ],
  });
  return stack;
}
