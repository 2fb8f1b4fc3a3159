import { HOUR_MS, JOIN_LOOKBACK_HOURS, TICKET_PARTITIONS, hourOf, keys } from './model';
import type { ItemKey, SweepPort } from './ports';
import type { AdmissionSettings } from './settings';

/**
 * Expiry without TTL (multi-Region strong consistency has none): every growing partition carries an
 * hour, so deleting an hour is a fixed list of partition queries and one delete per item found,
 * never a scan. Nothing is deleted before `openingAt + retentionHours` (a person who joined days
 * early keeps the ticket until after the opening), and hours are swept in order, one lease at a time.
 */

/** Every partition that holds items of `hour`. */
export function partitionsOfHour(settings: AdmissionSettings, hour: number, redeemShards: number): string[] {
  const e = settings.eventId;
  const partitions = [keys.bucketPartition(e, hour)];
  for (let p = 0; p < TICKET_PARTITIONS; p++) partitions.push(keys.ticketPartition(e, hour, p));
  for (const region of settings.regions) {
    for (let shard = 0; shard < settings.shardsPerRegion; shard++) {
      partitions.push(keys.counterPartition(e, region, shard, hour));
    }
  }
  for (let shard = 0; shard < redeemShards; shard++)
    partitions.push(keys.redemptionPartition(e, shard, hour));
  return partitions;
}

/** Epoch ms from which `hour` may be deleted. */
export function sweepableAt(settings: AdmissionSettings, hour: number): number {
  return Math.max((hour + 1) * HOUR_MS, settings.openingAt) + settings.retentionHours * HOUR_MS;
}

export interface SweepReport {
  /** Hour swept, or undefined when none was due or another sweeper holds the lease. */
  readonly hour?: number;
  readonly deleted: number;
}

export async function sweepOnce(
  port: SweepPort,
  settings: AdmissionSettings,
  input: {
    readonly now: number;
    readonly leaseMs: number;
    readonly concurrency: number;
    /** Entry-record shards in use (the cursor's, if it differs from the configured count). */
    readonly redeemShards?: number;
  },
): Promise<SweepReport> {
  const initialThrough = hourOf(settings.openingAt) - JOIN_LOOKBACK_HOURS - 1;
  const state = await port.readSweepState();
  const hour = (state?.through ?? initialThrough) + 1;
  if (sweepableAt(settings, hour) > input.now) return { deleted: 0 };
  if (state && state.leaseUntil > input.now) return { deleted: 0 };
  const claimed = await port.claimSweep(state, input.now + input.leaseMs, initialThrough);
  if (!claimed) return { deleted: 0 };

  let deleted = 0;
  const shards = Math.max(settings.redeemShards, input.redeemShards ?? 0);
  for (const pk of partitionsOfHour(settings, hour, shards)) {
    for await (const page of port.listPartition(pk)) {
      deleted += await deleteAll(port, page, input.concurrency);
    }
  }
  await port.finishSweep(claimed, hour);
  return { hour, deleted };
}

async function deleteAll(port: SweepPort, items: readonly ItemKey[], concurrency: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item) await port.deleteItem(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return items.length;
}
