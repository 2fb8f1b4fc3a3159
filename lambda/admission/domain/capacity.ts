import { TICKET_PARTITIONS } from './model';

/**
 * Write arithmetic of the admission items (docs/waiting-room.md, "No hot key"): how many writes per
 * second the busiest item of each kind takes at a given surge. Pure; the construct checks its props
 * with it and a unit test pins it to Rempart's default surge.
 */
export interface AdmissionLoadInput {
  /** Joins per second at the peak, every Region together (e.g. the surge's peak people per second). */
  readonly peakJoinsPerSecond: number;
  /** Cursor pace: people admitted (and entering) per second. */
  readonly admitPerSecond: number;
  /** Regions that take joins (`AdmissionSettings.regions`, counted). */
  readonly regions: number;
  /** Join counters per Region (`AdmissionSettings.shardsPerRegion`). */
  readonly shardsPerRegion: number;
  /** Messages per join-consumer invocation (SQS batch size): one counter write per batch. */
  readonly consumerBatchSize: number;
  /** Controller step: the cursor is written once per step, plus once per bucket sealed. */
  readonly stepSeconds: number;
  /** Arrival bucket width: every counter is sealed once per bucket. */
  readonly bucketSeconds: number;
  /** Cohorts (each has its own counters). */
  readonly cohorts: number;
  /** Entry-record items per step (`redeemShardsFor`). */
  readonly redeemShards: number;
}

/**
 * Writes per second on the busiest item of each kind. DynamoDB caps one item's partition at 1,000
 * write units per second whatever the table's capacity, so this, not the table, bounds the surge a
 * waiting room can take.
 */
export interface AdmissionLoad {
  /**
   * Block reservations per second on one join counter, when ONE Region takes every join (the other
   * is lost): one conditional write per consumer batch, spread over the Region's shards.
   */
  readonly joinCounterWritesPerSecond: number;
  /** Ticket writes per second on one ticket partition key (each ticket item is written once). */
  readonly ticketPartitionWritesPerSecond: number;
  /** Entries per second recorded on one entry-record item (from every Region: one item per position). */
  readonly entryRecordWritesPerSecond: number;
  /** Writes per second on the cursor: one advance per step and one per sealed bucket. */
  readonly cursorWritesPerSecond: number;
  /** Counter seals per second, each on a different item (written once more, then never again). */
  readonly sealWritesPerSecond: number;
  /** The largest of the per-item figures above. */
  readonly maxItemWritesPerSecond: number;
  /** Which item kind that is. */
  readonly hottest: 'join counter' | 'ticket partition' | 'entry record' | 'cursor';
}

/**
 * The write load of each admission item kind at a surge, for `AdmissionControl` to refuse settings
 * that would make one item hot (above `MAX_ITEM_WRITES_PER_SECOND`) before anyone queues.
 */
export function admissionLoad(input: AdmissionLoadInput): AdmissionLoad {
  const batches = input.peakJoinsPerSecond / Math.max(1, input.consumerBatchSize);
  const joinCounterWritesPerSecond = batches / input.shardsPerRegion;
  const ticketPartitionWritesPerSecond = input.peakJoinsPerSecond / TICKET_PARTITIONS;
  const entryRecordWritesPerSecond = input.admitPerSecond / input.redeemShards;
  const bucketsPerStep = input.stepSeconds / input.bucketSeconds;
  const cursorWritesPerSecond = (1 + bucketsPerStep) / input.stepSeconds;
  const sealWritesPerSecond = (input.cohorts * input.regions * input.shardsPerRegion) / input.bucketSeconds;
  const perItem = {
    'join counter': joinCounterWritesPerSecond,
    'ticket partition': ticketPartitionWritesPerSecond,
    'entry record': entryRecordWritesPerSecond,
    cursor: cursorWritesPerSecond,
  } as const;
  const [hottest, maxItemWritesPerSecond] = (
    Object.entries(perItem) as [AdmissionLoad['hottest'], number][]
  ).reduce((a, b) => (b[1] > a[1] ? b : a));
  return {
    joinCounterWritesPerSecond,
    ticketPartitionWritesPerSecond,
    entryRecordWritesPerSecond,
    cursorWritesPerSecond,
    sealWritesPerSecond,
    maxItemWritesPerSecond,
    hottest,
  };
}

/** Above this, an item is "hot" for Rempart: a third of DynamoDB's 1,000 write units per partition. */
export const MAX_ITEM_WRITES_PER_SECOND = 300;
