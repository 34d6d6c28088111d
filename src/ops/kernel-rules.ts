/**
 * Which BTF rules a given kernel release enforces, and which BTF features it understands.
 *
 * Used by `check` (which rule set to emulate) and `sanitize` (what to down-convert). The
 * version of each feature is the first mainline release that had it; the ones marked
 * UNCERTAIN in the comments were reconstructed from patch dates, not from a release tag.
 */

import { fail } from '../wire/errors.js';
import { Kind } from '../wire/kinds.js';

/** BTF features whose presence depends on the kernel release (libbpf probes most of them). */
export interface BtfFeatures {
  /** BTF_KIND_FUNC and BTF_KIND_FUNC_PROTO (4.20). */
  readonly func: boolean;
  /** BTF_FUNC_GLOBAL linkage on FUNC (5.6). */
  readonly globalFunc: boolean;
  /** BTF_KIND_VAR and BTF_KIND_DATASEC (5.2). */
  readonly datasec: boolean;
  /** BTF_KIND_FLOAT (5.13). */
  readonly float: boolean;
  /** BTF_KIND_DECL_TAG (5.16). */
  readonly declTag: boolean;
  /** BTF_KIND_TYPE_TAG (5.17). */
  readonly typeTag: boolean;
  /** BTF_KIND_ENUM64 and signed (kflag) ENUM (6.0). */
  readonly enum64: boolean;
  /** kind_flag on TYPE_TAG / DECL_TAG meaning "arbitrary attribute" (6.15, UNCERTAIN). */
  readonly tagKflag: boolean;
  /** 32-byte header with a layout section (7.1). */
  readonly layout: boolean;
}

/** What one kernel release's BTF verifier accepts (`rulesFor`). */
export interface KernelRules extends BtfFeatures {
  /** The release these rules emulate, "major.minor". */
  readonly version: string;
  /** Highest kind number the kernel accepts. */
  readonly maxKind: number;
  /** `info & ~0x9f00ffff` must be 0 (removed with the 24-bit vlen / 7-bit kind, 7.1, UNCERTAIN). */
  readonly infoMask: boolean;
  /** Modifier chain check after pass 2 (btf_check_type_tags, 5.17). */
  readonly chainCheck: boolean;
  /** Type tags must come before other modifiers in a chain (relaxed 2026-06 → 7.2, UNCERTAIN). */
  readonly typeTagOrder: boolean;
  /** DATASEC names may hold any printable character (5.12, UNCERTAIN); before: identifier rules. */
  readonly datasecPrintable: boolean;
  /** KSYM_NAME_LEN: longest accepted name (512 since 6.1, 128 before). */
  readonly ksymNameLen: number;
  /** Gaps of fewer than 4 bytes between sections allowed (with the layout section, UNCERTAIN). */
  readonly smallGaps: boolean;
}

/** Parse "6.18", "5.10.0-23-amd64", "v7.1" into [major, minor]. */
export function parseKernelVersion(text: string): [number, number] {
  const m = /^v?(\d+)\.(\d+)/.exec(text.trim());
  if (!m) fail('invalid-argument', `kernel version must look like MAJOR.MINOR (e.g. 6.18), got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

function atLeast(v: [number, number], major: number, minor: number): boolean {
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

/** The feature set of a kernel release. */
export function featuresFor(version: string): BtfFeatures {
  const v = parseKernelVersion(version);
  return {
    func: atLeast(v, 4, 20),
    globalFunc: atLeast(v, 5, 6),
    datasec: atLeast(v, 5, 2),
    float: atLeast(v, 5, 13),
    declTag: atLeast(v, 5, 16),
    typeTag: atLeast(v, 5, 17),
    enum64: atLeast(v, 6, 0),
    tagKflag: atLeast(v, 6, 15),
    layout: atLeast(v, 7, 1),
  };
}

/** The rule set `check` applies for a kernel release (default: the 6.18 this project tests on). */
export function rulesFor(version = DEFAULT_KERNEL_VERSION): KernelRules {
  const v = parseKernelVersion(version);
  const f = featuresFor(version);
  let maxKind: number = Kind.RESTRICT;
  if (f.func) maxKind = Kind.FUNC_PROTO;
  if (f.datasec) maxKind = Kind.DATASEC;
  if (f.float) maxKind = Kind.FLOAT;
  if (f.declTag) maxKind = Kind.DECL_TAG;
  if (f.typeTag) maxKind = Kind.TYPE_TAG;
  if (f.enum64) maxKind = Kind.ENUM64;
  return {
    ...f,
    version: `${v[0]}.${v[1]}`,
    maxKind,
    infoMask: !atLeast(v, 7, 1),
    chainCheck: f.typeTag,
    typeTagOrder: !atLeast(v, 7, 2),
    datasecPrintable: atLeast(v, 5, 12),
    ksymNameLen: atLeast(v, 6, 1) ? 512 : 128,
    smallGaps: f.layout,
  };
}

export const DEFAULT_KERNEL_VERSION = '6.18';
