import type { BookingSection } from './sections/booking';

/** Figures derived from a booking surge profile; see DESIGN.md, "Worked example". */
export interface BookingCapacity {
  readonly peakPeoplePerSecond: number;
  readonly edgeReadsPerSecond: number;
  readonly edgeWritesPerSecond: number;
  /** Requests per second that reach the origins (all Regions together) with a warm cache. */
  readonly originRequestsPerSecond: number;
  /** Same with a cold cache: what the origins must survive at the very opening. */
  readonly originRequestsPerSecondCold: number;
}

/** Pure arithmetic: no rounding until the caller turns a figure into a setting. */
export function bookingCapacity(surge: BookingSection['surge']): BookingCapacity {
  const peakPeoplePerSecond = ((surge.eligiblePeople * surge.firstHourShare) / 3600) * surge.peakToAverage;
  const edgeReadsPerSecond = peakPeoplePerSecond * surge.readsPerPerson;
  const edgeWritesPerSecond = peakPeoplePerSecond * surge.writesPerPerson;
  return {
    peakPeoplePerSecond,
    edgeReadsPerSecond,
    edgeWritesPerSecond,
    originRequestsPerSecond: edgeReadsPerSecond * (1 - surge.cacheHitRatio) + edgeWritesPerSecond,
    originRequestsPerSecondCold: edgeReadsPerSecond * (1 - surge.coldCacheHitRatio) + edgeWritesPerSecond,
  };
}
