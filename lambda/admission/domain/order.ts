import { groupsOfBucket, shardSlots, slotName, type GroupKind } from './model';
import { permute } from './permutation';
import type { AdmissionSettings } from './settings';

/**
 * The order of the line, published one bucket at a time. Pure: no AWS SDK, no I/O.
 *
 * When the controller seals a bucket it freezes every join counter of the bucket's groups (one
 * single-item write each) and records, in one immutable bucket document, where each group starts
 * in the line, how many people each counter slot holds, and for a draw the seed it drew. From a
 * ticket's coordinates (group, Region, shard, sequence) and that document anyone computes the
 * ticket's position; nothing is rewritten per person.
 */

/** The people of one join-counter slot inside a group. */
export interface SlotRange {
  /** Offset of the slot's first person inside the group. */
  readonly offset: number;
  /** People in the slot (the sealed counter's value). */
  readonly count: number;
}

/** One group of a sealed bucket: a cohort's pre-opening draw, or its arrivals in the bucket. */
export interface GroupDoc {
  /** `P.<cohort>` for a draw, `A.<bucket>.<cohort>` for arrivals: the key of its join counters. */
  readonly key: string;
  /** `draw`: positions permuted with `seed`; `arrivals`: positions in counter order. */
  readonly kind: GroupKind;
  /** The cohort the group's people joined. */
  readonly cohort: string;
  /** People ahead of this group in the whole line. */
  readonly start: number;
  /** People in the group. */
  readonly count: number;
  /** By `<region>#<shard>`, only slots that hold someone. */
  readonly slots: Readonly<Record<string, SlotRange>>;
  /** Draws only: the seed of the permutation, published with the document. */
  readonly seed?: string;
}

/**
 * The immutable, published document of one sealed arrival bucket: from it and a ticket's coordinates
 * anyone computes the ticket's position, so nothing is rewritten per person.
 */
export interface BucketDoc {
  /** Bucket index, counted from the opening in steps of `bucketSeconds`. */
  readonly bucket: number;
  /** People ahead of this bucket. */
  readonly base: number;
  /** People up to and including this bucket: the next bucket's base. */
  readonly end: number;
  readonly groups: readonly GroupDoc[];
  /** Epoch ms at which it was sealed. */
  readonly sealedAt: number;
}

/** Sealed counter values of one bucket: group key → slot name → people. */
export type BucketCounts = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Build the document of a sealed bucket. `seeds` must hold a seed for every draw group. */
export function buildBucketDoc(
  settings: AdmissionSettings,
  bucket: number,
  base: number,
  counts: BucketCounts,
  seeds: ReadonlyMap<string, string>,
  sealedAt: number,
): BucketDoc {
  let position = base;
  const groups: GroupDoc[] = [];
  for (const spec of groupsOfBucket(settings, bucket)) {
    const slots: Record<string, SlotRange> = {};
    let count = 0;
    for (const { region, shard } of shardSlots(settings)) {
      const name = slotName(region, shard);
      const n = counts.get(spec.key)?.get(name) ?? 0;
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`counter ${spec.key} ${name} holds ${n}`);
      if (n > 0) slots[name] = { offset: count, count: n };
      count += n;
    }
    const seed = spec.kind === 'draw' ? seeds.get(spec.key) : undefined;
    if (spec.kind === 'draw' && !seed) throw new Error(`no seed for draw ${spec.key}`);
    groups.push({ ...spec, start: position, count, slots, ...(seed ? { seed } : {}) });
    position += count;
  }
  return { bucket, base, end: position, groups, sealedAt };
}

/** Where a ticket sits: the coordinates the join consumer gave it. */
export interface TicketCoordinates {
  readonly group: string;
  readonly region: string;
  readonly shard: number;
  readonly seq: number;
}

/**
 * 1-based position of a ticket in the line, or undefined when the document does not place it
 * (wrong bucket, or a sequence the sealed counter never handed out).
 */
export function positionOf(doc: BucketDoc, t: TicketCoordinates): number | undefined {
  const group = doc.groups.find((g) => g.key === t.group);
  const slot = group?.slots[slotName(t.region, t.shard)];
  if (!group || !slot || !Number.isSafeInteger(t.seq) || t.seq < 0 || t.seq >= slot.count) return undefined;
  const index = slot.offset + t.seq;
  const within = group.kind === 'draw' && group.seed ? permute(index, group.count, group.seed) : index;
  return group.start + within + 1;
}
