/**
 * btfkit: the library. Everything here runs in Node and in browsers; file access lives in
 * `btfkit/node`.
 */

export { Btf, type LayoutEntry, type ParseOptions } from './wire/btf.js';
export { BtfBuilder, type BuilderOptions, type EnumValueSpec, type MemberSpec, type ParamSpec, type VarSecinfoSpec } from './wire/builder.js';
export { BtfError, type BtfErrorCode, type BtfErrorLocation } from './wire/errors.js';
export { type BtfExt, type CoreRelo, CoreReloKind, CORE_RELO_KIND_NAMES, type FuncInfo, type LineInfo, parseBtfExt, serializeBtfExt } from './wire/ext.js';
export { forEachStrOffWord, forEachTypeIdWord } from './wire/fields.js';
export { type BtfHeader, detectEndian, type Endian } from './wire/header.js';
export { IntEncoding, infoKflag, infoKind, infoVlen, Kind, KIND_SHAPES, type KindShape, kindName, Linkage, makeInfo, parseKindName } from './wire/kinds.js';
export { type SerializeParts, serializeBtf, writeBtf, type WriteOptions } from './wire/write.js';
export {
  type AnyEnumType,
  type ArrayType,
  type BtfType,
  type CompositeType,
  type DatasecType,
  type DeclTagType,
  enumValue,
  type EnumType,
  type Enum64Type,
  type FloatType,
  type FuncProtoType,
  type FuncType,
  type FwdType,
  type IntType,
  memberBits,
  type PtrType,
  type RefType,
  type StructType,
  typeAt,
  type TypedefType,
  type UnionType,
  type UnknownType,
  type VarType,
  type VoidType,
} from './model/types.js';
export { btfSummary, type BtfSummary } from './model/summary.js';
export { openBtf, type OpenedBtf, type OpenOptions } from './open.js';
export { formatRaw, formatRawString, formatRawType, writeRaw } from './format/raw.js';
export type { ByteSink } from './format/byte-writer.js';
export { formatJson, formatJsonType } from './format/json.js';
// From the ELF layer only what reading BTF out of a file needs: `openBtf` takes ELF bytes
// itself, and a compressed module (.ko.xz, .ko.zst, .ko.gz) is decompressed first. Parsing,
// rewriting, symbols and the ELF constants are in `btfkit/elf`.
export { type Compression, type DecompressOptions, decompress, detectCompression } from './elf/compress.js';
export { type ElfFile, type ElfFileInit, type ElfSection, isElf } from './elf/elf.js';

// Operations
export { dedup, type DedupOptions, type DedupResult } from './ops/dedup.js';
export { concatBtf, type ConcatOptions, merge } from './ops/merge.js';
export type { IdMap } from './ops/id-map.js';
export { distillBase, type DistillOptions, type DistillResult } from './ops/distill.js';
export { type DistilledModuleElf, distillModuleElf } from './ops/module-elf.js';
export { type RelocateOptions, type RelocateOutcome, relocate, RelocationError, tryRelocate } from './ops/relocate.js';
export { formatRelocationDiagnosis, type RelocationDiagnosis } from './ops/relocate-diagnosis.js';
export { detectStandaloneModule, renumberStandalone, type StandaloneDetection, type StandaloneResult, toStandalone } from './ops/standalone.js';
export { checkModule, type ModuleCheck, type ModuleCheckOptions } from './ops/module-check.js';
export { checkBtf, type CheckOptions, type CheckReport, type Finding, formatFinding } from './ops/check.js';
export { sanitizeBtf, type SanitizeFeatures, sanitizeFeaturesFor, type SanitizeOptions, type SanitizeResult } from './ops/sanitize.js';
export { type BtfFeatures, featuresFor, type KernelRules, parseKernelVersion, rulesFor } from './ops/kernel-rules.js';
export { type CoreObject, type CoreReloResult, type ResolveOptions, resolveCoreRelos } from './ops/core/resolve.js';
export type { CoreTargetBtf } from './ops/core/candidates.js';
export { type CoreErrno, CoreError } from './ops/core/types.js';
export { essentialName, parseAccessString } from './ops/core/names.js';
export { minCore, type MinCoreObject, type MinCoreOptions, type MinCoreResult } from './ops/min-core.js';
export { kfuncRoots, vmlinuxSplit, type VmlinuxSplitOptions, type VmlinuxSplitResult } from './ops/vmlinux-split.js';
export { CDumper, type CDumperOptions, emitTypeDecl, emitTypeDefinition, formatVmlinuxH, formatVmlinuxHBytes, mergeSplitBtfs, sortedTypeOrder, type TypeDeclOptions, TypeTable, type VmlinuxHOptions } from './format/c/index.js';
export {
  ABI_CHANGED,
  ABI_INCOMPATIBLE,
  type AbiCause,
  type AbiDatasecEntryChange,
  type AbiDiffFilter,
  type AbiDiffOptions,
  type AbiDiffReport,
  type AbiDiffSummary,
  abiDiffExitCode,
  type AbiEnumeratorChange,
  type AbiHole,
  type AbiImpact,
  type AbiKind,
  type AbiMemberAspect,
  type AbiMemberChange,
  type AbiMemberSide,
  type AbiParamChange,
  type AbiStatus,
  type AbiTypeChange,
  type AbiUser,
  diffBtf,
  filterAbiDiff,
} from './ops/abi-diff.js';
export { type AbiDiffFormat, type AbiDiffFormatOptions, formatAbiDiff } from './ops/abi-diff-format.js';
export { parseWhereQuery, whereMember, type WhereResult } from './ops/where.js';
export { baseDiff, baseMismatch, explainBaseType, explainRelocation, type ModuleRootCause, usedBaseTypes } from './ops/module-explain.js';
export { type CompositeLayout, LayoutModel, type LayoutOptions, type MemberLayout, type TagKind } from './model/layout.js';
export { formatPahole, layoutFacts, type LayoutFacts, PaholePrinter, type PaholeOptions, type PaholeResult } from './format/pahole.js';
export { ExploreSession, type FileInfo, type LayoutLine, type RelocationView, type SearchMode, type SourceFile, type TypePage, type TypeRef } from './ops/explore.js';

// DWARF → BTF
export { type DwarfSections, loadDwarfSections, type LoadDwarfOptions } from './dwarf/sections.js';
export { type AbbrevTable, DieCursor, DwarfInfo, SlotMap, type UnitHeader } from './dwarf/reader.js';
export { dedupEncoded, encodeBtf, type EncodeOptions, type EncodeResult, type EncodeStats, encodeUndeduplicated, type UndeduplicatedEncoding } from './ops/encode/encode.js';
export { DEFAULT_FEATURES, FEATURE_NAMES, type FeatureName, type FeatureSet, parseFeatures, wantsLegacyDedup } from './ops/encode/features.js';
export { withBtfSections } from './ops/module-elf.js';
