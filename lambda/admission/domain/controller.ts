import { decideAdvance, initialCursor, maturedEntries, type CursorState } from './cursor';
import {
  bucketHour,
  bucketSealableAt,
  groupsOfBucket,
  shardSlots,
  slotName,
  stepHour,
  stepOf,
} from './model';
import { buildBucketDoc, type BucketDoc } from './order';
import type { ControllerPort } from './ports';
import type { AdmissionSettings } from './settings';

/** What one controller step did, for metrics and logs. */
export interface StepReport {
  /** This controller took the step (exactly one Region does). */
  readonly taken: boolean;
  readonly step: number;
  readonly admitted: number;
  readonly noShows: number;
  readonly sealed: number;
  readonly nowServing: number;
  readonly tail: number;
  /** People placed in the line and not yet admitted. */
  readonly waiting: number;
  /** Milliseconds since any Region last advanced the cursor, as read at the start of the step. */
  readonly cursorLagMs: number;
  /** Milliseconds the oldest sealable bucket has been waiting to be sealed (0 when up to date). */
  readonly sealLagMs: number;
  readonly paused: boolean;
}

export interface StepInput {
  readonly now: number;
  readonly region: string;
  /** 32 random bytes, hex, for a draw (injected: tests use fixed seeds). */
  readonly randomSeed: () => string;
}

/**
 * One controller step, run in every Region every `stepSeconds`: read the cursor, count the entries
 * of the steps whose no-show window closed, decide the move, and write it with one conditional
 * write on the cursor's version. The Region that loses that write stops there: it neither moves the
 * cursor nor seals. The winner then seals the buckets that are due, each with its own conditional
 * cursor write, so a controller that dies half-way leaves a state the next step completes.
 */
export async function controllerStep(
  port: ControllerPort,
  settings: AdmissionSettings,
  input: StepInput,
): Promise<StepReport> {
  const { now, region } = input;
  let state = await port.readCursor({ fresh: true });
  if (!state) {
    await port.createCursor(initialCursor(settings, now, region));
    state = await port.readCursor({ fresh: true });
    if (!state) throw new Error('the cursor could not be created');
  }
  const cursorLagMs = Math.max(0, now - state.updatedAt);
  const report = (
    taken: boolean,
    s: CursorState,
    admitted: number,
    noShows: number,
    sealed: number,
  ): StepReport => ({
    taken,
    step: stepOf(settings, now),
    admitted,
    noShows,
    sealed,
    nowServing: s.nowServing,
    tail: s.tail,
    waiting: s.tail - s.nowServing,
    cursorLagMs,
    sealLagMs: Math.max(0, now - bucketSealableAt(settings, s.sealedThrough + 1)),
    paused: s.paused,
  });
  if (state.step >= stepOf(settings, now)) return report(false, state, 0, 0, 0);

  const entered = new Map<number, number>();
  for (const h of maturedEntries(settings, state, now)) {
    entered.set(h.step, await port.countEntries(h.step, stepHour(settings, h.step), state.redeemShards));
  }
  const decision = decideAdvance(settings, state, { now, region, enteredByStep: entered });
  if (!decision.next || !(await port.writeCursor(decision.next, state.version))) {
    return report(false, state, 0, 0, 0);
  }
  state = decision.next;

  let sealed = 0;
  while (sealed < settings.maxSealsPerStep && bucketSealableAt(settings, state.sealedThrough + 1) <= now) {
    const bucket = state.sealedThrough + 1;
    const doc = await sealBucket(port, settings, bucket, state.tail, now, input.randomSeed);
    const next: CursorState = { ...state, version: state.version + 1, sealedThrough: bucket, tail: doc.end };
    if (!(await port.writeCursor(next, state.version))) break;
    state = next;
    sealed++;
  }
  return report(true, state, decision.admitted, decision.noShows, sealed);
}

/**
 * Freeze every join counter of `bucket` and publish its document. Safe to replay and to race: a
 * frozen counter stays frozen with the same value, and the first document written stands (with its
 * seed), so a second sealer reads the first one's order instead of drawing again.
 */
export async function sealBucket(
  port: ControllerPort,
  settings: AdmissionSettings,
  bucket: number,
  base: number,
  now: number,
  randomSeed: () => string,
): Promise<BucketDoc> {
  const hour = bucketHour(settings, bucket);
  const existing = await port.getBucketDoc(bucket, hour);
  const doc =
    existing ??
    (await (async () => {
      const counts = new Map<string, Map<string, number>>();
      const seeds = new Map<string, string>();
      for (const group of groupsOfBucket(settings, bucket)) {
        const values = await Promise.all(
          shardSlots(settings).map(async ({ region, shard }) => {
            const n = await port.sealCounter(group.key, region, shard, hour);
            return [slotName(region, shard), n] as const;
          }),
        );
        counts.set(group.key, new Map(values));
        if (group.kind === 'draw') seeds.set(group.key, randomSeed());
      }
      return port.putBucketDoc(buildBucketDoc(settings, bucket, base, counts, seeds, now), hour);
    })());
  if (doc.base !== base) {
    throw new Error(
      `bucket ${bucket} starts at ${doc.base}, but the cursor's tail is ${base}: the line is inconsistent`,
    );
  }
  return doc;
}
