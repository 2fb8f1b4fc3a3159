import type { CursorState } from './cursor';
import type { BucketDoc, TicketCoordinates } from './order';

/**
 * What the admission use cases need from storage. Every write is ONE single-item conditional
 * write (multi-Region strong consistency has no transactions); every method is safe to replay.
 */

/** A ticket as stored by the join consumer. */
export interface Ticket extends TicketCoordinates {
  readonly ticketId: string;
  readonly secretHash: string;
  readonly cohort: string;
  readonly acceptedAt: number;
}

export interface CursorReader {
  /**
   * The cursor. `fresh: false` may answer from a copy at most about a second old (the cursor only
   * moves forward, so a stale copy only delays an entry); `fresh: true` reads it strongly.
   */
  readCursor(options: { readonly fresh: boolean }): Promise<CursorState | undefined>;
}

export interface BucketReader {
  /** A sealed bucket's document (immutable once written, so it may be cached forever). */
  getBucketDoc(bucket: number, hour: number): Promise<BucketDoc | undefined>;
}

export interface ControllerPort extends CursorReader, BucketReader {
  /** Create the cursor unless it exists. */
  createCursor(state: CursorState): Promise<boolean>;
  /** Replace the cursor if its version is still `expectedVersion`; false when someone else moved it. */
  writeCursor(next: CursorState, expectedVersion: number): Promise<boolean>;
  /** People who entered among those admitted at `step` (sum over its entry-record items). */
  countEntries(step: number, hour: number, shards: number): Promise<number>;
  /** Freeze a join counter (creating it at 0 if no join came) and return its final value. */
  sealCounter(group: string, region: string, shard: number, hour: number): Promise<number>;
  /** Store a bucket document unless one exists; returns the one that stands (first writer wins). */
  putBucketDoc(doc: BucketDoc, hour: number): Promise<BucketDoc>;
}

export interface JoinPort {
  /**
   * Reserve `n` consecutive sequence numbers on a join counter with one conditional write; returns
   * the first, or 'sealed' when the controller has already frozen the counter.
   */
  reserve(group: string, region: string, shard: number, hour: number, n: number): Promise<number | 'sealed'>;
  /** Store a ticket unless its id exists (a redelivered join keeps its first coordinates). */
  putTicket(ticket: Ticket): Promise<'created' | 'exists'>;
}

export interface EntryPort extends CursorReader, BucketReader {
  getTicket(ticketId: string): Promise<Ticket | undefined>;
  /**
   * Record that `position`, admitted at `step`, entered: adds it to the step's entry-record item and
   * counts it, in one conditional write; 'again' when it was already recorded (exactly once).
   */
  recordEntry(step: number, hour: number, shard: number, position: number): Promise<'new' | 'again'>;
}

export interface TicketReader extends CursorReader, BucketReader {
  getTicket(ticketId: string): Promise<Ticket | undefined>;
}

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export interface SweepState {
  /** Last hour whose items are all deleted. */
  readonly through: number;
  readonly version: number;
  /** Epoch ms until which a sweeper holds the next hour. */
  readonly leaseUntil: number;
}

export interface SweepPort {
  readSweepState(): Promise<SweepState | undefined>;
  /** Take the lease on the next hour (conditional on `version`); false if another sweeper did. */
  claimSweep(
    state: SweepState | undefined,
    leaseUntil: number,
    initialThrough: number,
  ): Promise<SweepState | undefined>;
  /** Record `hour` as swept (conditional on the claimed version). */
  finishSweep(claimed: SweepState, hour: number): Promise<boolean>;
  /** Keys of one partition, page by page (a Query on the partition key: never a scan). */
  listPartition(pk: string): AsyncIterable<readonly ItemKey[]>;
  deleteItem(key: ItemKey): Promise<void>;
}
