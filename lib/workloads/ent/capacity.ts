/**
 * ENT capacity arithmetic: pure functions of the surge profile and of the measured capacity of one
 * task. Nothing here is typed in by hand elsewhere: scaling settings come from these figures.
 */

/** What the arithmetic needs; structurally a subset of the ENT configuration section. */
export interface EntCapacityInput {
  /** The school-morning surge, in logins per second, and the requests each login brings. */
  readonly surge: {
    readonly peakLoginsPerSecond: number;
    readonly offPeakLoginsPerSecond: number;
    readonly requestsPerLogin: number;
  };
  /** What one task carries, measured by a load test. */
  readonly task: { readonly loginsPerSecondPerTask: number };
  /** Share of a task's capacity target tracking aims at, and the task ceiling. */
  readonly scaling: { readonly targetUtilization: number; readonly maxTasks: number };
}

/** Task counts and the scaling target derived from the ENT surge; the service stack applies them as is. */
export interface EntCapacity {
  /** Tasks that carry the morning peak when every zone is up. */
  readonly peakTasks: number;
  /** Tasks that carry the off-peak rate when every zone is up. */
  readonly offPeakTasks: number;
  /**
   * Minimum during school mornings: after losing the zone that holds the most tasks, the remaining
   * ones still carry the peak without launching anything (static stability).
   */
  readonly morningFloor: number;
  /** Same rule applied to the off-peak rate: the minimum outside school mornings. */
  readonly offPeakFloor: number;
  /** Maximum tasks (from configuration, checked to be at least the morning floor). */
  readonly maxTasks: number;
  /**
   * Target of the ALBRequestCountPerTarget policy: requests per task per minute at the configured
   * utilisation of a task's measured capacity.
   */
  readonly requestsPerTargetPerMinute: number;
}

/** Tasks needed to carry `perSecond` when one task carries `perTask`. */
export function tasksFor(perSecond: number, perTask: number): number {
  if (!(perTask > 0)) throw new RangeError(`tasksFor: perTask must be above 0, received ${perTask}`);
  return Math.max(1, Math.ceil(perSecond / perTask));
}

/**
 * Smallest task count N spread evenly over `zones` zones such that losing the fullest zone
 * (ceil(N / zones) tasks) leaves at least `needed`: about needed × zones / (zones − 1), i.e.
 * ceil(needed × 3 / 2) for three zones, nudged up where uneven spreading would fall short.
 */
export function staticStabilityFloor(needed: number, zones = 3): number {
  if (!Number.isInteger(zones) || zones < 2) {
    throw new RangeError(`staticStabilityFloor: zones must be an integer of at least 2, received ${zones}`);
  }
  if (!Number.isInteger(needed) || needed < 1) {
    throw new RangeError(
      `staticStabilityFloor: needed must be a whole number of at least 1, received ${needed}`,
    );
  }
  let n = Math.ceil((needed * zones) / (zones - 1));
  while (n - Math.ceil(n / zones) < needed) n++;
  return n;
}

/**
 * The ENT's task counts: enough at peak and off peak, floors that survive the loss of a zone
 * (static stability: new tasks take minutes to start, too late for a school morning), and the
 * per-task request target. Computed once at configuration load.
 */
export function entCapacity(input: EntCapacityInput, zones = 3): EntCapacity {
  const perTask = input.task.loginsPerSecondPerTask;
  const peakTasks = tasksFor(input.surge.peakLoginsPerSecond, perTask);
  const offPeakTasks = tasksFor(input.surge.offPeakLoginsPerSecond, perTask);
  return {
    peakTasks,
    offPeakTasks,
    morningFloor: staticStabilityFloor(peakTasks, zones),
    offPeakFloor: staticStabilityFloor(offPeakTasks, zones),
    maxTasks: input.scaling.maxTasks,
    requestsPerTargetPerMinute: Math.max(
      1,
      Math.floor(perTask * input.surge.requestsPerLogin * 60 * input.scaling.targetUtilization),
    ),
  };
}
