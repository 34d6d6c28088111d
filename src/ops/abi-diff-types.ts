/**
 * The result of `diffBtf` (the ABI diff behind `btfkit diff`). Field names are snake_case
 * because the object is the `--json` output as is: `JSON.stringify(report)` gives the shape
 * documented in README (`changes[]` with kind, name, status, size, members, cause, impact).
 */

/** Kinds as the report names them (C words, lower case). */
export type AbiKind = 'struct' | 'union' | 'enum' | 'typedef' | 'func' | 'var' | 'datasec' | 'decl_tag' | 'int' | 'float';

/** What happened to a type or member between A and B. */
export type AbiStatus = 'added' | 'removed' | 'changed';

/** One side of a struct/union member. */
export interface AbiMemberSide {
  /** Bit offset from the start of the struct/union. */
  readonly offset_bits: number;
  /** Bitfield size in bits; 0 for a plain member. */
  readonly bitfield_size: number;
  /** The member's type as C (libbpf's declaration syntax): `struct device *`, `long int`. */
  readonly type: string;
  /** Byte size of the member's type (-1 when it has none, e.g. a flexible array of void). */
  readonly size: number;
}

/** What differs in a member that exists on both sides. */
export type AbiMemberAspect = 'offset' | 'type' | 'size' | 'bitfield_size';

/** A struct/union member added, removed, renamed, moved, retyped or resized. */
export interface AbiMemberChange {
  /** The member's name in B (in A when removed); '' for an anonymous struct/union member. */
  readonly name: string;
  /** Index among the members (B's, or A's when removed): how anonymous members are told apart. */
  readonly index: number;
  readonly status: 'added' | 'removed' | 'changed' | 'renamed';
  /** For a rename: the name in A (same offset and type, new name). */
  readonly old_name?: string;
  readonly a?: AbiMemberSide;
  readonly b?: AbiMemberSide;
  /** For 'changed': which aspects differ. */
  readonly changed?: readonly AbiMemberAspect[];
  /** For an anonymous (or inline) struct/union member: the changes inside it. */
  readonly members?: readonly AbiMemberChange[];
}

/** A gap between members (or after the last one) in a struct. */
export interface AbiHole {
  /** The member the gap follows ('' at the start). */
  readonly after: string;
  readonly offset_bits: number;
  readonly size_bits: number;
}

/** An enumerator added, removed or given another value. */
export interface AbiEnumeratorChange {
  readonly name: string;
  readonly status: 'added' | 'removed' | 'changed';
  /** Values as decimal text (ENUM64 values do not fit a JSON number). */
  readonly a?: string;
  readonly b?: string;
}

/** A function parameter added, removed, renamed or retyped. */
export interface AbiParamChange {
  readonly index: number;
  readonly name: string;
  readonly status: 'added' | 'removed' | 'changed' | 'renamed';
  readonly old_name?: string;
  readonly a?: { readonly type: string };
  readonly b?: { readonly type: string };
}

/** A variable of a DATASEC added, removed or changed. */
export interface AbiDatasecEntryChange {
  /** The variable's name. */
  readonly name: string;
  readonly status: 'added' | 'removed' | 'changed';
  readonly a?: { readonly offset: number; readonly size: number };
  readonly b?: { readonly offset: number; readonly size: number };
}

/** The leaf change that explains a container's change, and the member path down to it. */
export interface AbiCause {
  readonly kind: AbiKind;
  readonly name: string;
  /** Member names from this type down to the leaf as C spells the access (anonymous members left out), e.g. ['adap', 'dev']. */
  readonly via: readonly string[];
}

/** A type or function that refers to a changed type (through a member, parameter or pointer). */
export interface AbiUser {
  readonly kind: AbiKind | 'func_proto';
  readonly name: string;
  /** Member or parameter through which it refers ('' for a return value or a whole VAR). */
  readonly via: string;
}

/** What a leaf change breaks. */
export interface AbiImpact {
  /** Types that embed the leaf by value (transitively) and changed because of it. */
  readonly embedded_by: readonly (AbiUser & { readonly path: readonly string[] })[];
  /** Named types with a member that points to the leaf or to one of its embedders. */
  readonly pointer_types: number;
  /** Functions with a parameter or return value of its type, or pointing to it. */
  readonly pointer_funcs: number;
  /** The first few of those, types then functions. */
  readonly pointer_users: readonly AbiUser[];
  /** kfuncs (FUNCs tagged bpf_kfunc) among the functions. */
  readonly kfuncs: readonly string[];
}

/** One type that differs between A and B, with what changed and what it breaks. */
export interface AbiTypeChange {
  readonly kind: AbiKind;
  readonly name: string;
  readonly status: AbiStatus;
  /** A size/offset/type change of an existing type, or a removal (abidiff's "incompatible"). */
  readonly incompatible: boolean;
  readonly id_a?: number;
  readonly id_b?: number;
  /** An added or removed struct/union that is only a forward declaration (no layout). */
  readonly fwd?: boolean;
  /** Byte size [A, B] (struct, union, enum, int, float, datasec): whenever both sides have one; [0, N] / [N, 0] when added / removed. */
  readonly size?: readonly [number, number];
  /** BTF kinds [A, B] when they differ (struct ↔ union, FWD ↔ definition, ENUM ↔ ENUM64). */
  readonly kind_change?: readonly [string, string];
  readonly members?: readonly AbiMemberChange[];
  readonly holes?: { readonly appeared: readonly AbiHole[]; readonly closed: readonly AbiHole[] };
  readonly enumerators?: readonly AbiEnumeratorChange[];
  /** ENUM signedness [A, B] when it differs. */
  readonly signed?: readonly [boolean, boolean];
  /** Typedef target, VAR type, FUNC prototype, INT encoding: C text [A, B]. */
  readonly type?: readonly [string, string];
  /** FUNC / VAR linkage [A, B] when it differs. */
  readonly linkage?: readonly [string, string];
  readonly params?: readonly AbiParamChange[];
  readonly entries?: readonly AbiDatasecEntryChange[];
  /** Set when this type changed only because an embedded type changed: the leaf. */
  readonly cause?: AbiCause;
  /** For a leaf change: who embeds it and who points to it (in B). */
  readonly impact?: AbiImpact;
}

/** Counts of a report: types added, removed, changed, incompatible. */
export interface AbiDiffSummary {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  /** Changed types that are leaves (not only caused by an embedded change). */
  readonly leaves: number;
  readonly incompatible: number;
  /** Types in each input (own types, for split BTF). */
  readonly types_a: number;
  readonly types_b: number;
}

/** The result of `diffBtf` (the `--json` output of `btfkit diff`). */
export interface AbiDiffReport {
  /** Labels of the two inputs (file names in the CLI). */
  readonly a: string;
  readonly b: string;
  /** Every change: leaves and caused containers, in kind then name order. */
  readonly changes: readonly AbiTypeChange[];
  readonly summary: AbiDiffSummary;
}

/** abidiff's exit status bits: 4 = ABI changed, 8 = incompatible change. */
export const ABI_CHANGED = 4;
export const ABI_INCOMPATIBLE = 8;

/** The exit status abidiff would give for this report: 0, 4 or 12. */
export function abiDiffExitCode(report: AbiDiffReport): number {
  if (report.changes.length === 0) return 0;
  return ABI_CHANGED | (report.changes.some((c) => c.incompatible) ? ABI_INCOMPATIBLE : 0);
}
