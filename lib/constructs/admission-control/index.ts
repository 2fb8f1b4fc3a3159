export * from './admission-control';
export * from './contract';
export * from './edge';
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
export { permute, unpermute, FEISTEL_ROUNDS } from '../../../lambda/admission/domain/permutation';
export { positionOf, type BucketDoc, type GroupDoc } from '../../../lambda/admission/domain/order';
