/**
 * CloudWatch metric names of the waiting room (namespace ADMISSION_METRICS_NAMESPACE, dimensions
 * `service` = ADMISSION_METRICS_SERVICE and `EventId`). Shared by the functions that publish them
 * (Powertools metrics) and the construct that alarms and graphs them.
 */
export const ADMISSION_METRICS_NAMESPACE = 'Rempart/Admission';
export const ADMISSION_METRICS_SERVICE = 'admission';

export const AdmissionMetric = {
  /** Tickets recorded by the join consumer. */
  joined: 'Joined',
  /** Joins recorded after their bucket was sealed (queued as arriving when recorded). */
  lateJoins: 'LateJoins',
  duplicateJoins: 'DuplicateJoins',
  malformedJoins: 'MalformedJoins',
  /** People placed in the line and not admitted yet (gauge, every step, every Region). */
  peopleWaiting: 'PeopleWaiting',
  /** People the cursor admitted (by the Region that took the step). */
  admitted: 'Admitted',
  /** Admitted people who did not enter in time, replaced by the cursor. */
  noShows: 'NoShows',
  /** Seconds since the cursor last advanced, or since a bucket became due and was not sealed (gauge). */
  cursorLagSeconds: 'CursorLagSeconds',
  /** First entries (admission cookies issued). */
  entered: 'Entered',
  entryRefused: 'EntryRefused',
  /** 1 while the edge's fail-open switch is on, 0 otherwise (published by the switch, in the edge Region). */
  failOpen: 'FailOpen',
} as const;
