/**
 * btfkit/ops: operations on BTF with every option and result type — dedup, merge, distill,
 * relocate, standalone modules, module checks, the kernel's checks and sanitizing, CO-RE
 * resolution and min-core, the ABI diff and `where`, the explorer's session, and the DWARF
 * encoder.
 */
export * from './abi-diff.js';
export * from './abi-diff-format.js';
export * from './check.js';
export { type Candidate, type CoreTargetBtf, findCandidates } from './core/candidates.js';
export type { ReloValue } from './core/calc.js';
export type { CoreAccessor, CoreSpec } from './core/spec.js';
export { type CoreErrno, CoreError } from './core/types.js';
export type { IdMap } from './id-map.js';
export { essentialName, parseAccessString } from './core/names.js';
export * from './core/resolve.js';
export * from './dedup.js';
export * from './distill.js';
export * from './explore.js';
export * from './kernel-rules.js';
export * from './merge.js';
export * from './min-core.js';
export * from './vmlinux-split.js';
export * from './module-check.js';
export * from './module-elf.js';
export * from './module-explain.js';
export * from './relocate.js';
export { formatRelocationDiagnosis, type RelocationCandidate, type RelocationDiagnosis, type RelocationProblem, type RelocationUser } from './relocate-diagnosis.js';
export * from './sanitize.js';
export * from './standalone.js';
export * from './where.js';
export * from './encode/encode.js';
export { DEFAULT_FEATURES, FEATURE_NAMES, type FeatureName, type FeatureSet, parseFeatures, wantsLegacyDedup } from './encode/features.js';
