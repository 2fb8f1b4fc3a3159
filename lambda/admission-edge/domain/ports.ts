import type { AlarmState, KeyPut, SwitchSnapshot } from './fail-open';

/** What the fail-open switch reads: CloudWatch alarm states, Region by Region. */
export interface AlarmStatePort {
  /**
   * Current states of the named alarms (metric or composite) in `region`. A name the Region does not
   * know is absent from the answer; a Region whose API cannot be read makes the promise reject.
   */
  readAlarmStates(region: string, names: readonly string[]): Promise<ReadonlyMap<string, AlarmState>>;
}

/** What the switch reads from and writes to the edge KeyValueStore. */
export interface SwitchStorePort {
  /** `adm:failopen`, `adm:failopen:verdict` and the store's ETag, read after the ETag. */
  read(): Promise<SwitchSnapshot & { readonly etag: string }>;
  /**
   * Writes every put at once, on condition that the store is still at `etag`; false when another
   * writer (an operator, a deployment) changed the store since.
   */
  write(etag: string, puts: readonly KeyPut[]): Promise<boolean>;
}
