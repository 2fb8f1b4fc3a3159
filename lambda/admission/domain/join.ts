import {
  arrivalGroup,
  bucketHour,
  bucketOf,
  bucketOfGroup,
  cohortOf,
  groupOfJoin,
  type JoinMessage,
} from './model';
import type { JoinPort, Ticket } from './ports';
import type { AdmissionSettings } from './settings';

export interface JoinReport {
  readonly created: number;
  /** Redelivered joins whose ticket already existed (their reserved numbers stay empty). */
  readonly duplicates: number;
  /** Joins whose group was sealed before they were recorded: queued as arriving now. */
  readonly late: number;
}

/** Attempts at the next bucket when the current one was sealed in between (clock skew margin). */
const LATE_ATTEMPTS = 5;

/**
 * Record a batch of joins taken from the queue by one consumer invocation: for each group, ONE
 * conditional write reserves a block of sequence numbers on this invocation's counter shard; then
 * each ticket is written once, conditionally (a redelivered join keeps its first place). A group
 * that the controller sealed while the join waited in the queue no longer takes anyone: those joins
 * go to the current bucket of their cohort, as if they had arrived now (a late delivery never
 * jumps the line).
 */
export async function recordJoins(
  port: JoinPort,
  settings: AdmissionSettings,
  where: { readonly region: string; readonly shard: number },
  joins: readonly JoinMessage[],
  now: number,
): Promise<JoinReport> {
  const unique = [...new Map(joins.map((j) => [j.ticketId, j])).values()];
  const byGroup = new Map<string, JoinMessage[]>();
  for (const j of unique) {
    const key = groupOfJoin(settings, j);
    byGroup.set(key, [...(byGroup.get(key) ?? []), j]);
  }
  let created = 0;
  let duplicates = 0;
  let late = 0;
  for (const [firstKey, members] of byGroup) {
    const cohort = cohortOf(settings, members[0]?.cohort ?? '');
    let key = firstKey;
    let start: number | 'sealed' = 'sealed';
    for (let attempt = 0; attempt <= LATE_ATTEMPTS; attempt++) {
      start = await port.reserve(
        key,
        where.region,
        where.shard,
        bucketHour(settings, bucketOfGroup(settings, key)),
        members.length,
      );
      if (start !== 'sealed') break;
      if (attempt === 0) late += members.length;
      const sealedBucket = bucketOfGroup(settings, key);
      key = arrivalGroup(Math.max(bucketOf(settings, cohort, now), sealedBucket + 1) + attempt, cohort.id);
    }
    if (start === 'sealed') {
      throw new Error(`no open bucket for ${members.length} late join(s) after ${LATE_ATTEMPTS} attempts`);
    }
    const first = start;
    const outcomes = await Promise.all(
      members.map((j, i) => {
        const ticket: Ticket = {
          ticketId: j.ticketId,
          secretHash: j.secretHash,
          cohort: j.cohort,
          acceptedAt: j.acceptedAt,
          group: key,
          region: where.region,
          shard: where.shard,
          seq: first + i,
        };
        return port.putTicket(ticket);
      }),
    );
    created += outcomes.filter((o) => o === 'created').length;
    duplicates += outcomes.filter((o) => o === 'exists').length;
  }
  return { created, duplicates, late };
}
