export * from './admission-edge-gate';
export * from './admission-fail-open-switch';
export {
  ADMISSION_GATE_SOURCE,
  SIGNING_KEY_LENGTH,
  admissionStoreEntries,
  renderAdmissionGateCode,
  storeEntriesProblems,
  type GatePath,
  type StoreEntry,
} from './admission-gate-code';
export * from './waiting-page/waiting-page';
