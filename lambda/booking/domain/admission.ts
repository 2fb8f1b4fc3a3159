/**
 * Per-identity limits, enforced by the write authorizer BEFORE anything is queued. Pure: the
 * adapter reads the person's counters, asks `admit`, and writes the answer back conditionally on
 * the version it read (one conditional write per admitted request).
 */

export interface AdmissionLimits {
  /** Booking requests of one person accepted but not yet decided. */
  readonly maxInFlight: number;
  /** Write requests (bookings and cancellations) of one person per window. */
  readonly requestsPerWindow: number;
  readonly windowSeconds: number;
  /**
   * Seconds after the last admission at which the in-flight count is forgotten: a request that will
   * never be decided (dead-lettered) cannot block its person for longer. Also how long a pending
   * cancellation is honoured by a rebook.
   */
  readonly inFlightLeaseSeconds: number;
  /**
   * Decisions a person item may track (the purge removes those older than a message can be): past
   * this, the person is refused until then. Bounds the person item's size, hence its write cost.
   */
  readonly maxTrackedRequests: number;
}

/** Defaults of the booking configuration (lib/workloads/booking/config.ts reads them). */
export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxInFlight: 2,
  requestsPerWindow: 10,
  windowSeconds: 600,
  inFlightLeaseSeconds: 1800,
  maxTrackedRequests: 50,
};

/** Problems with a set of limits, each naming the field (with `prefix`) and the fix. */
export function admissionLimitsProblems(limits: AdmissionLimits, prefix = ''): string[] {
  const problems: string[] = [];
  const whole = (name: keyof AdmissionLimits, min: number, max: number, example: number) => {
    const v = limits[name];
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push(
        `${prefix}${name} is ${v}. Fix: use a whole number from ${min} to ${max}, e.g. ${example}`,
      );
    }
  };
  whole('maxInFlight', 1, 10, DEFAULT_ADMISSION_LIMITS.maxInFlight);
  whole('requestsPerWindow', 1, 1000, DEFAULT_ADMISSION_LIMITS.requestsPerWindow);
  whole('windowSeconds', 10, 86_400, DEFAULT_ADMISSION_LIMITS.windowSeconds);
  whole('inFlightLeaseSeconds', 60, 86_400, DEFAULT_ADMISSION_LIMITS.inFlightLeaseSeconds);
  whole('maxTrackedRequests', 5, 500, DEFAULT_ADMISSION_LIMITS.maxTrackedRequests);
  if (limits.requestsPerWindow < limits.maxInFlight) {
    problems.push(
      `${prefix}requestsPerWindow (${limits.requestsPerWindow}) is below maxInFlight (${limits.maxInFlight}): the in-flight limit could never be reached. Fix: raise requestsPerWindow`,
    );
  }
  return problems;
}

/** The gate's counters on the person item (absent fields: a person never seen). */
export interface GateState {
  readonly version?: number;
  readonly windowStart?: number;
  readonly windowCount?: number;
  /** May be negative after the worker decided requests admitted before a lease expired. */
  readonly inFlight?: number;
  readonly inFlightAt?: number;
  /** Decisions the person item tracks. */
  readonly tracked?: number;
}

export type AdmissionRequest =
  | { readonly kind: 'BOOK' }
  /** A cancellation of one of the person's own requests (`target` checked by the caller). */
  | { readonly kind: 'CANCEL'; readonly target?: string };

export type AdmissionRefusal = 'IN_FLIGHT' | 'RATE' | 'TOO_MANY_REQUESTS';

/** The counters to write back, conditional on `expectedVersion`. */
export interface GateWrite {
  readonly expectedVersion?: number;
  readonly windowStart: number;
  readonly windowCount: number;
  readonly inFlight: number;
  readonly inFlightAt: number;
  readonly pendingCancel?: { readonly requestId: string; readonly until: number };
}

export type AdmissionDecision =
  | { readonly admitted: true; readonly write: GateWrite }
  | {
      readonly admitted: false;
      readonly refusal: AdmissionRefusal;
      readonly retryAfterSeconds: number;
      readonly message: string;
    };

export function admit(
  state: GateState,
  request: AdmissionRequest,
  now: number,
  limits: AdmissionLimits,
): AdmissionDecision {
  const windowMs = limits.windowSeconds * 1000;
  const leaseMs = limits.inFlightLeaseSeconds * 1000;
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const countInWindow = state.windowStart === windowStart ? (state.windowCount ?? 0) : 0;
  const leaseAlive = state.inFlightAt !== undefined && state.inFlightAt > now - leaseMs;
  const inFlight = leaseAlive ? Math.max(0, state.inFlight ?? 0) : 0;

  if ((state.tracked ?? 0) >= limits.maxTrackedRequests) {
    return {
      admitted: false,
      refusal: 'TOO_MANY_REQUESTS',
      retryAfterSeconds: 86_400,
      message: `You have made ${limits.maxTrackedRequests} booking requests recently, the most the service accepts. Please contact the help desk.`,
    };
  }
  if (countInWindow >= limits.requestsPerWindow) {
    return {
      admitted: false,
      refusal: 'RATE',
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)),
      message: `You have sent ${limits.requestsPerWindow} requests in ${limits.windowSeconds} seconds, the most the service accepts. Please wait before trying again.`,
    };
  }
  if (request.kind === 'BOOK' && inFlight >= limits.maxInFlight) {
    return {
      admitted: false,
      refusal: 'IN_FLIGHT',
      retryAfterSeconds: 30,
      message:
        'A booking request of yours is still being processed. Check its status (the link you received) before sending another.',
    };
  }
  return {
    admitted: true,
    write: {
      expectedVersion: state.version,
      windowStart,
      windowCount: countInWindow + 1,
      inFlight: request.kind === 'BOOK' ? inFlight + 1 : inFlight,
      inFlightAt: request.kind === 'BOOK' || !leaseAlive ? now : (state.inFlightAt ?? now),
      pendingCancel:
        request.kind === 'CANCEL' && request.target
          ? { requestId: request.target, until: now + leaseMs }
          : undefined,
    },
  };
}
