import { stepOf } from './model';
import type { AdmissionSettings } from './settings';

/**
 * The "now serving" cursor: one item, public, cacheable. Every position at or below `nowServing`
 * may enter. Pure decisions only: the controller (controller.ts) reads, decides here, and writes
 * with one conditional write on `version`, so two Regions never advance the same step twice.
 */

/** A step that admitted people: what the entry handler needs to date an admission. */
export interface HistoryEntry {
  readonly step: number;
  /** Epoch ms at which the step was decided. */
  readonly at: number;
  /** The cursor after the step. */
  readonly nowServing: number;
}

export interface CursorState {
  /** Incremented by every write: the condition of every write. */
  readonly version: number;
  /** Last controller step that advanced the cursor (-1: none yet). */
  readonly step: number;
  /** Positions 1..nowServing may enter. */
  readonly nowServing: number;
  /** Positions placed by sealed buckets (the cursor never passes it). */
  readonly tail: number;
  /** Last sealed bucket (-1: none). */
  readonly sealedThrough: number;
  /** Steps that admitted someone, oldest first, back to one no-show window. */
  readonly history: readonly HistoryEntry[];
  /** `nowServing` before the oldest history entry: positions at or below it have lapsed. */
  readonly historyFloor: number;
  /** Last history step whose no-shows were counted and compensated. */
  readonly evaluatedThrough: number;
  /** Total no-shows compensated so far. */
  readonly noShows: number;
  /** Fraction of a person carried to the next step (pace × step is rarely whole). */
  readonly credit: number;
  /** No-shows found but not yet replaced (at most one step's pace is added per step). */
  readonly owed: number;
  /** Entry-record items per step, fixed when the cursor is created (writers and counters agree). */
  readonly redeemShards: number;
  /** Operator switch: while true the cursor holds still (sealing goes on). */
  readonly paused: boolean;
  /** Operator switch: the event is over (the waiting page says so; nobody else is admitted). */
  readonly closed: boolean;
  /** Operator override of the pace (people per second); absent: the configured pace. */
  readonly pace?: number;
  /** Epoch ms of the last advance, by any Region. */
  readonly updatedAt: number;
  /** Region whose controller made the last advance. */
  readonly region: string;
}

export function initialCursor(settings: AdmissionSettings, now: number, region: string): CursorState {
  return {
    version: 0,
    step: -1,
    nowServing: 0,
    tail: 0,
    sealedThrough: -1,
    history: [],
    historyFloor: 0,
    evaluatedThrough: -1,
    noShows: 0,
    credit: 0,
    owed: 0,
    redeemShards: settings.redeemShards,
    paused: false,
    closed: false,
    updatedAt: now,
    region,
  };
}

/** When the no-shows of a history entry are final: its entry window plus one step of margin. */
export function maturesAt(settings: AdmissionSettings, entry: HistoryEntry): number {
  return entry.at + (settings.noShowAfterSeconds + settings.stepSeconds) * 1000;
}

/** History entries whose no-shows are final and not yet compensated, oldest first. */
export function maturedEntries(settings: AdmissionSettings, state: CursorState, now: number): HistoryEntry[] {
  return state.history.filter((h) => h.step > state.evaluatedThrough && maturesAt(settings, h) <= now);
}

/** People admitted by a history entry (the cursor's move at that step). */
export function admittedAt(state: CursorState, step: number): number {
  const i = state.history.findIndex((h) => h.step === step);
  if (i < 0) return 0;
  const previous = i === 0 ? state.historyFloor : (state.history[i - 1]?.nowServing ?? state.historyFloor);
  return (state.history[i]?.nowServing ?? previous) - previous;
}

export interface AdvanceInput {
  readonly now: number;
  readonly region: string;
  /** Entries recorded for each matured history step (read from its entry-record items). */
  readonly enteredByStep: ReadonlyMap<number, number>;
}

export interface AdvanceDecision {
  /** Undefined when this step was already taken (by this Region or another). */
  readonly next?: CursorState;
  readonly step: number;
  readonly admitted: number;
  /** No-shows found this step (and compensated, as far as people are waiting). */
  readonly noShows: number;
}

/**
 * Decide step `stepOf(now)`: the cursor moves by pace × step (plus the carried fraction) plus the
 * no-shows found in the steps that matured (at most one more step's pace), never past the tail,
 * never while paused or before the opening. A missed step is not caught up: moving two steps at
 * once would burst the protected service. Over any run of steps, people who enter never exceed
 * pace × steps: every replacement stands for someone who can no longer enter.
 */
export function decideAdvance(
  settings: AdmissionSettings,
  state: CursorState,
  input: AdvanceInput,
): AdvanceDecision {
  const { now } = input;
  const step = stepOf(settings, now);
  if (state.step >= step) return { step, admitted: 0, noShows: 0 };

  const matured = maturedEntries(settings, state, now);
  let noShows = 0;
  for (const h of matured) {
    const entered = input.enteredByStep.get(h.step) ?? 0;
    noShows += Math.max(0, admittedAt(state, h.step) - entered);
  }
  const open = now >= settings.openingAt && !state.paused && !state.closed;
  const stepPace = (state.pace ?? settings.admitPerSecond) * settings.stepSeconds;
  const owedTotal = state.owed + noShows;
  // Replacements never more than double a step: a backlog of no-shows (after an outage) is paid
  // back over several steps instead of bursting the protected service.
  const extra = open ? Math.min(owedTotal, stepPace) : 0;
  const budget = open ? stepPace + state.credit + extra : 0;
  const room = state.tail - state.nowServing;
  const admitted = Math.max(0, Math.min(room, Math.floor(budget)));
  // Carry the fraction and the debt only when the pace, not the line, limited the step: an empty
  // line banks nothing (admitting the bank later would exceed the pace).
  const paceLimited = admitted === Math.floor(budget);
  const credit = open && paceLimited ? budget - admitted : 0;
  const owed = !open ? owedTotal : paceLimited ? owedTotal - extra : 0;
  const nowServing = state.nowServing + admitted;

  let history = admitted > 0 ? [...state.history, { step, at: now, nowServing }] : [...state.history];
  let historyFloor = state.historyFloor;
  const keepFrom = now - (settings.noShowAfterSeconds + 3 * settings.stepSeconds) * 1000;
  const evaluatedThrough = matured.length ? Math.max(...matured.map((h) => h.step)) : state.evaluatedThrough;
  while (
    history.length > 1 &&
    (history[0]?.at ?? now) < keepFrom &&
    (history[0]?.step ?? 0) <= evaluatedThrough
  ) {
    historyFloor = history[0]?.nowServing ?? historyFloor;
    history = history.slice(1);
  }

  return {
    step,
    admitted,
    noShows,
    next: {
      ...state,
      version: state.version + 1,
      step,
      nowServing,
      history,
      historyFloor,
      evaluatedThrough,
      noShows: state.noShows + noShows,
      credit: Math.min(credit, 1),
      owed,
      updatedAt: now,
      region: input.region,
    },
  };
}

export type Admission =
  | { readonly kind: 'admitted'; readonly step: number; readonly at: number; readonly deadline: number }
  | { readonly kind: 'not-yet' }
  | { readonly kind: 'lapsed' };

/**
 * When was `position` admitted, and may it still enter? It may until `noShowAfterSeconds` after the
 * step that admitted it; after that the controller has replaced it.
 */
export function admissionOf(
  settings: AdmissionSettings,
  state: CursorState,
  position: number,
  now: number,
): Admission {
  if (position > state.nowServing) return { kind: 'not-yet' };
  if (position <= state.historyFloor) return { kind: 'lapsed' };
  const entry = state.history.find((h) => h.nowServing >= position);
  if (!entry) return { kind: 'lapsed' };
  const deadline = entry.at + settings.noShowAfterSeconds * 1000;
  return now < deadline ? { kind: 'admitted', step: entry.step, at: entry.at, deadline } : { kind: 'lapsed' };
}

/** Which entry-record item of its step records a position: interleaved, so neighbours spread out. */
export function redemptionShard(state: Pick<CursorState, 'redeemShards'>, position: number): number {
  return position % state.redeemShards;
}

/** People admitted per minute over the last minute of history (the waiting page's estimate). */
export function admittedPerMinute(state: CursorState, now: number): number {
  const since = now - 60_000;
  const before = [...state.history].reverse().find((h) => h.at <= since);
  // No entry a minute old: the whole history is recent (count from its floor) or empty (nothing moved).
  const base = before?.nowServing ?? (state.history.length ? state.historyFloor : state.nowServing);
  return Math.max(0, state.nowServing - base);
}
