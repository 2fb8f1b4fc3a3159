import { createHash } from 'node:crypto';
import type { CursorState } from '../../lambda/admission/domain/cursor';
import type { BucketDoc } from '../../lambda/admission/domain/order';
import type {
  ControllerPort,
  EntryPort,
  JoinPort,
  Ticket,
  TicketReader,
} from '../../lambda/admission/domain/ports';
import { admissionSettings, type AdmissionSettings } from '../../lambda/admission/domain/settings';

/**
 * An in-memory stand-in of the admission storage with the same single-item semantics as the
 * DynamoDB adapter (conditional writes, first writer wins), for pure domain tests. The adapter
 * itself is tested against DynamoDB Local in the *.db.test.ts files.
 */
export class MemoryAdmissionPort implements ControllerPort, JoinPort, EntryPort, TicketReader {
  cursor: CursorState | undefined;
  readonly counters = new Map<string, { next: number; sealed: boolean }>();
  readonly docs = new Map<number, BucketDoc>();
  readonly tickets = new Map<string, Ticket>();
  readonly entries = new Map<string, { n: number; ps: Set<number> }>();

  readCursor(): Promise<CursorState | undefined> {
    return Promise.resolve(this.cursor);
  }
  createCursor(state: CursorState): Promise<boolean> {
    if (this.cursor) return Promise.resolve(false);
    this.cursor = state;
    return Promise.resolve(true);
  }
  writeCursor(next: CursorState, expectedVersion: number): Promise<boolean> {
    if (this.cursor?.version !== expectedVersion) return Promise.resolve(false);
    // Operator switches are not the controller's to write.
    this.cursor = { ...next, paused: this.cursor.paused, closed: this.cursor.closed, pace: this.cursor.pace };
    return Promise.resolve(true);
  }
  countEntries(step: number, _hour: number, shards: number): Promise<number> {
    let n = 0;
    for (let s = 0; s < shards; s++) n += this.entries.get(`${step}#${s}`)?.n ?? 0;
    return Promise.resolve(n);
  }
  sealCounter(group: string, region: string, shard: number): Promise<number> {
    const key = `${group}#${region}#${shard}`;
    const c = this.counters.get(key) ?? { next: 0, sealed: false };
    this.counters.set(key, { ...c, sealed: true });
    return Promise.resolve(c.next);
  }
  getBucketDoc(bucket: number): Promise<BucketDoc | undefined> {
    return Promise.resolve(this.docs.get(bucket));
  }
  putBucketDoc(doc: BucketDoc): Promise<BucketDoc> {
    const existing = this.docs.get(doc.bucket);
    if (existing) return Promise.resolve(existing);
    this.docs.set(doc.bucket, doc);
    return Promise.resolve(doc);
  }
  reserve(
    group: string,
    region: string,
    shard: number,
    _hour: number,
    n: number,
  ): Promise<number | 'sealed'> {
    const key = `${group}#${region}#${shard}`;
    const c = this.counters.get(key) ?? { next: 0, sealed: false };
    if (c.sealed) return Promise.resolve('sealed');
    this.counters.set(key, { next: c.next + n, sealed: false });
    return Promise.resolve(c.next);
  }
  putTicket(t: Ticket): Promise<'created' | 'exists'> {
    if (this.tickets.has(t.ticketId)) return Promise.resolve('exists');
    this.tickets.set(t.ticketId, t);
    return Promise.resolve('created');
  }
  getTicket(ticketId: string): Promise<Ticket | undefined> {
    return Promise.resolve(this.tickets.get(ticketId));
  }
  recordEntry(step: number, _hour: number, shard: number, position: number): Promise<'new' | 'again'> {
    const key = `${step}#${shard}`;
    const e = this.entries.get(key) ?? { n: 0, ps: new Set<number>() };
    if (e.ps.has(position)) return Promise.resolve('again');
    e.ps.add(position);
    this.entries.set(key, { n: e.n + 1, ps: e.ps });
    return Promise.resolve('new');
  }
}

export const OPENING = Date.UTC(2027, 0, 14, 9, 0, 0);

export function testSettings(overrides: Partial<AdmissionSettings> = {}): AdmissionSettings {
  return admissionSettings({
    eventId: 'opening-test',
    openingAt: OPENING,
    regions: ['eu-west-3', 'eu-central-1'],
    admitPerSecond: 100,
    ...overrides,
  });
}

/** A ticket id as API Gateway's template builds it: join time, then a unique suffix. */
export function ticketIdAt(acceptedAt: number, n: number): string {
  return `${acceptedAt}-${createHash('sha256').update(String(n)).digest('base64url').slice(0, 16)}`;
}

export function secretOf(n: number): string {
  return `secret-${String(n).padStart(12, '0')}`;
}

export function seedFor(label: string): () => string {
  let i = 0;
  return () => createHash('sha256').update(`${label}-${i++}`).digest('hex');
}
