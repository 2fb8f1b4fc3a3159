// Public part of the waiting room: the three constructs, their props and prop checks, the settings and
// capacity arithmetic a configuration sizes them with, and the cookie check a protected service may
// repeat. Left out, because they are the private protocol between the edge function, the origin
// functions and the waiting page (imported from their modules by the handlers and the tests):
// contract.ts's KeyValueStore keys, paths, cache lifetimes, request and response bodies and signing
// helpers; the gate code renderer and store layout (edge/admission-gate-code.ts); the waiting page
// renderer (edge/waiting-page/); the line's ordering internals (lambda/admission/domain/permutation.ts
// and order.ts: permute, unpermute, FEISTEL_ROUNDS, positionOf, BucketDoc, GroupDoc).
export {
  AdmissionControl,
  admissionConcurrency,
  admissionControlPropsProblems,
  type AdmissionCohort,
  type AdmissionConcurrency,
  type AdmissionControlProps,
  type AdmissionSigningKey,
} from './admission-control';
export {
  ADMISSION_COOKIE_NAME,
  ADMISSION_KIDS,
  ADMISSION_MODES,
  FAILURE_POLICIES,
  verifyAdmissionCookie,
  type AdmissionClaims,
  type AdmissionKid,
  type AdmissionMode,
  type AdmissionVerdict,
  type FailurePolicy,
} from './contract';
export * from './edge';
export type { AdmissionMetrics } from './private/observability';
export {
  admissionLoad,
  MAX_ITEM_WRITES_PER_SECOND,
  type AdmissionLoad,
  type AdmissionLoadInput,
} from '../../../lambda/admission/domain/capacity';
export {
  ADMISSION_DEFAULTS,
  admissionSettingsProblems,
  redeemShardsFor,
  type AdmissionSettings,
  type CohortSetting,
} from '../../../lambda/admission/domain/settings';
