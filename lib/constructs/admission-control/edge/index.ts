// The edge constructs of the waiting room. Left out: the gate code renderer and the store layout
// (admission-gate-code.ts) and the waiting page renderer (waiting-page/): the constructs and the
// booking workload use them, and their tests import them from their modules.
export * from './admission-edge-gate';
export * from './admission-fail-open-switch';
