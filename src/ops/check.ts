/**
 * Kernel-grade BTF validation: the checks the kernel's BTF verifier (kernel/bpf/btf.c) runs on
 * BPF_BTF_LOAD, in the same order and with the same log texts, so that "valid" here means
 * "the kernel accepts it" and an invalid blob is explained by type id, kind, name, byte
 * offset and rule.
 *
 * It works on the raw bytes (not on a parsed Btf): the kernel accepts things btfkit's reader
 * refuses (and the other way round), and every rule has to be applied to exactly the bytes
 * the kernel would see.
 *
 * Phases, as in the kernel, one file each under check/: header and section tiling (header.ts)
 * → string section (strings.ts) → pass 1, per-kind meta checks (meta.ts) → pass 2, resolve
 * every type that refers to others: DFS with a depth limit of 32 and loop detection, struct
 * member / array / datasec checks, func and func_proto checks (resolve.ts) → modifier chain
 * check (chain.ts). Standalone (user) BTF runs every phase; split BTF is
 * checked like module BTF (pass 1 and the chain check only, as btf_parse_module does).
 *
 * Pass 1 keeps going after an error when the record size is still known, so one run lists
 * every malformed record; pass 2 stops at its first error like the kernel (its state after
 * an error is not meaningful). Not emulated: the "special fields" stage (bpf_spin_lock,
 * kptr, graph roots), which depends on the running kernel's own BTF.
 */

import type { Btf } from '../wire/btf.js';
import type { Endian } from '../wire/header.js';
import { checkChains } from './check/chain.js';
import { CheckContext } from './check/context.js';
import { Stop } from './check/errno.js';
import { parseHeader, parseLayout } from './check/header.js';
import { checkAllMetas } from './check/meta.js';
import { checkAllTypes } from './check/resolve.js';
import { parseStrings } from './check/strings.js';
import { DEFAULT_KERNEL_VERSION, type KernelRules, rulesFor } from './kernel-rules.js';

/** The verifier phase a finding comes from, in the kernel's order (`layout` only from 7.1). */
export type CheckPhase = 'header' | 'strings' | 'layout' | 'meta' | 'resolve' | 'chain';

/**
 * A stable name for each rule: the kernel's log text without its values, kebab-case, made
 * more specific where one text covers several rules. Compare this, not `rule`.
 */
export type FindingCode =
  | 'array-size-overflows-u32-max'
  | 'bits-offset-exceeds-u32-max'
  | 'btf-header-not-found'
  | 'btf-too-big'
  | 'exceeded-max-num-of-types'
  | 'exceeded-max-resolving-depth'
  | 'first-string-not-empty'
  | 'hdr-len-not-found'
  | 'invalid-arg'
  | 'invalid-array-of-int'
  | 'invalid-btf-info'
  | 'invalid-btf-info-kind-flag'
  | 'invalid-btf-info-size'
  | 'invalid-component-idx'
  | 'invalid-elem'
  | 'invalid-func-linkage'
  | 'invalid-index'
  | 'invalid-int-data'
  | 'invalid-kind'
  | 'invalid-layout-section'
  | 'invalid-magic'
  | 'invalid-member'
  | 'invalid-member-base-type'
  | 'invalid-member-bitfield-size'
  | 'invalid-member-bits-offset'
  | 'invalid-member-name-offset'
  | 'invalid-member-offset'
  | 'invalid-name'
  | 'invalid-name-offset'
  | 'invalid-offset'
  | 'invalid-offset-size'
  | 'invalid-resolve-state'
  | 'invalid-return-type'
  | 'invalid-section-offset'
  | 'invalid-size'
  | 'invalid-string-section'
  | 'invalid-type'
  | 'invalid-type-id'
  | 'invalid-type-size'
  | 'invalid-value'
  | 'linkage-not-supported'
  | 'loop-detected'
  | 'max-chain-length-or-cycle-detected'
  | 'member-bits-offset-exceeds-its-struct-size'
  | 'member-exceeds-struct-size'
  | 'member-is-not-byte-aligned'
  | 'member-is-not-properly-aligned'
  | 'meta-left-meta-needed'
  | 'no-data'
  | 'no-type-found'
  | 'not-a-var-kind-member'
  | 'nr-bits-exceeds-128'
  | 'nr-bits-exceeds-type-size'
  | 'nr-copy-bits-exceeds-128'
  | 'section-overlap-found'
  | 'size-not-zero'
  | 'size-zero'
  | 'string-section-is-not-at-the-end'
  | 'total-section-length-too-long'
  | 'type-id-out-of-range-in-modifier-chain'
  | 'type-not-zero'
  | 'type-tags-dont-precede-modifiers'
  | 'unaligned-layout-off'
  | 'unaligned-type-off'
  | 'unexpected-size'
  | 'unsupported-btf-header'
  | 'unsupported-check-kflag-member'
  | 'unsupported-check-member'
  | 'unsupported-encoding'
  | 'unsupported-flags'
  | 'unsupported-resolve'
  | 'unsupported-section-found'
  | 'unsupported-version'
  | 'vlen-not-zero';

/** One broken rule: where (type, byte offset), which rule in the kernel's words and as a code, and the errno. */
export interface Finding {
  readonly phase: CheckPhase;
  readonly code: FindingCode;
  /** The kernel's log text for the rule (e.g. "Invalid name_offset:123", "Loop detected"). */
  readonly rule: string;
  /** Extra context btfkit adds (member index, values), not part of the kernel's text. */
  readonly detail?: string;
  readonly typeId?: number;
  readonly kind?: string;
  readonly name?: string;
  /** Byte offset into the blob of the word the rule is about. */
  readonly offset?: number;
  /** The errno the kernel returns for it. */
  readonly errno: 'EINVAL' | 'E2BIG' | 'EEXIST' | 'ENOTSUPP' | 'ELOOP';
}

/** Options of `checkBtf`: base (split BTF), the kernel release to emulate, mode, byte order, limit. */
export interface CheckOptions {
  /** Base BTF: the blob is split BTF and is checked like module BTF. */
  readonly base?: Btf | undefined;
  /** Kernel release whose rules to apply (default 6.18), or a rule set. */
  readonly kernelVersion?: string | KernelRules | undefined;
  /**
   * 'user' (BPF_BTF_LOAD: every pass), 'module' (pass 1 + chain check), 'vmlinux' (same as
   * module, standalone). Default: 'module' with a base, else 'user'.
   */
  readonly mode?: 'user' | 'module' | 'vmlinux' | undefined;
  /**
   * Byte order of the kernel: a blob in the other order fails ("Invalid magic") like it
   * would there. 'any' (default) checks the blob as loaded by a kernel of its own order.
   */
  readonly endian?: Endian | 'any' | undefined;
  /** Stop collecting after this many findings (default 100). */
  readonly maxFindings?: number | undefined;
}

/** What `checkBtf` found: valid or not, the findings, and the rules and mode it applied. */
export interface CheckReport {
  readonly valid: boolean;
  readonly findings: Finding[];
  readonly mode: 'user' | 'module' | 'vmlinux';
  readonly rules: KernelRules;
  readonly endian: Endian;
  /** Number of own types pass 1 got through. */
  readonly typeCount: number;
}

/**
 * Check raw BTF bytes the way the kernel would load them. Never throws for bad input: every
 * problem becomes a finding.
 */
export function checkBtf(bytes: Uint8Array, opts: CheckOptions = {}): CheckReport {
  const rules = typeof opts.kernelVersion === 'object' ? opts.kernelVersion : rulesFor(opts.kernelVersion ?? DEFAULT_KERNEL_VERSION);
  const mode = opts.mode ?? (opts.base ? 'module' : 'user');
  const c = new CheckContext(bytes, rules, mode, opts);
  try {
    parseHeader(c);
    parseStrings(c);
    if (rules.layout) parseLayout(c);
    checkAllMetas(c);
    if (c.findings.length === 0) {
      if (mode === 'user' && !opts.base) checkAllTypes(c);
      if (rules.chainCheck) checkChains(c);
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  return { valid: c.findings.length === 0, findings: c.findings, mode, rules, endian: c.endian, typeCount: c.count };
}

/** One line for a finding: "[12] STRUCT foo: offset 0x1a4: Invalid member (member #3 ...)". */
export function formatFinding(f: Finding): string {
  const parts: string[] = [];
  if (f.typeId !== undefined) parts.push(`[${f.typeId}]${f.kind !== undefined ? ` ${f.kind}` : ''}${f.name !== undefined ? ` ${f.name}` : ''}`);
  if (f.offset !== undefined) parts.push(`offset ${f.offset} (0x${f.offset.toString(16)})`);
  parts.push(`${f.rule}${f.detail !== undefined ? ` (${f.detail})` : ''}`);
  return `${f.phase}: ${parts.join(': ')}`;
}
