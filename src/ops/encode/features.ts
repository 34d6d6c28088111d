/**
 * Encoder features, named as pahole's `--btf_features`. The default set is pahole's current
 * default; an explicit list reproduces older builds (Debian 6.1: pahole 1.24 with
 * `--btf_gen_floats` = `var,float,enum64`).
 */

import { fail } from '../../wire/errors.js';

/** pahole's default set (`--btf_features=default`). */
const DEFAULT_NAMES = ['encode_force', 'var', 'float', 'decl_tag', 'type_tag', 'enum64', 'optimized_func', 'consistent_func', 'decl_tag_kfuncs'] as const;

export const FEATURE_NAMES = [...DEFAULT_NAMES, 'distilled_base', 'global_var', 'attributes', 'reproducible_build'] as const;

/** A pahole `--btf_features` name btfkit knows. */
export type FeatureName = (typeof FEATURE_NAMES)[number];
/** The features one encode applies (see `parseFeatures`). */
export type FeatureSet = ReadonlySet<FeatureName>;

export const DEFAULT_FEATURES: FeatureSet = new Set<FeatureName>(DEFAULT_NAMES);

/**
 * Named sets: `default` (pahole's), `pahole-1.24` (what pahole 1.24 -J --btf_gen_floats
 * encodes, Debian 6.1's kernels: variables, floats, 64-bit enums, and decl/type tags where the
 * compiler emitted annotations, which gcc does not).
 */
const PRESETS: Record<string, readonly FeatureName[]> = {
  default: [...DEFAULT_FEATURES],
  'pahole-1.24': ['var', 'float', 'enum64', 'decl_tag', 'type_tag'],
};

/** Parse "var,float,enum64" (pahole names), presets, or "default,+global_var,-float". */
export function parseFeatures(list: string | undefined): FeatureSet {
  if (list === undefined || list.trim() === '') return DEFAULT_FEATURES;
  const out = new Set<FeatureName>();
  for (const raw of list.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const remove = item.startsWith('-');
    const name = item.replace(/^[+-]/, '');
    const preset = PRESETS[name];
    const names: readonly string[] = preset ?? [name];
    for (const n of names) {
      if (!(FEATURE_NAMES as readonly string[]).includes(n)) {
        fail('invalid-argument', `unknown BTF feature '${n}' (known: ${FEATURE_NAMES.join(', ')}; presets: ${Object.keys(PRESETS).join(', ')})`);
      }
      if (remove) out.delete(n as FeatureName);
      else out.add(n as FeatureName);
    }
  }
  return out;
}

/**
 * Whether a feature list asks to reproduce pahole 1.24 exactly, dedup included: its libbpf
 * deduplicated as libbpf 1.1 does (btfkit's `legacy` dedup), which keeps a few module types
 * that newer libbpf folds into vmlinux.
 */
/**
 * Features accepted (they are pahole's names, and in its default set) whose effect btfkit does
 * not reproduce, each with what happens instead: the CLI warns once per feature requested.
 * `reproducible_build` is not listed: btfkit's output never depends on thread count or timing,
 * so it always holds (pahole ≥ 1.29 ignores the feature too, for the same reason).
 */
const NOT_APPLIED: Partial<Record<FeatureName, string>> = {
  encode_force:
    "names pahole calls invalid (not [A-Za-z_.][A-Za-z0-9_.]*, or over 128 bytes) are encoded as they are, neither skipped nor refused (compilers' C names never are)",
  attributes: 'no attribute tags (DECL_TAG/TYPE_TAG with kind_flag 1) are emitted; ordinary tags come from decl_tag and type_tag',
};

/** The requested features btfkit does not apply, with what happens instead (see NOT_APPLIED). */
export function unappliedFeatures(features: FeatureSet): Array<{ readonly name: FeatureName; readonly instead: string }> {
  const out: Array<{ name: FeatureName; instead: string }> = [];
  for (const name of FEATURE_NAMES) {
    const instead = NOT_APPLIED[name];
    if (instead !== undefined && features.has(name)) out.push({ name, instead });
  }
  return out;
}

/** The features pahole 1.24 has (`--btf_gen_floats` and what it always did). */
const PAHOLE_124: ReadonlySet<FeatureName> = new Set<FeatureName>(['var', 'float', 'enum64', 'decl_tag', 'type_tag']);

/**
 * Whether `features` asks for a pahole newer than 1.24 (a feature 1.24 does not have), whose
 * rules then apply where no feature names them: every function saved and written sorted by
 * name before the DATASECs (≥ 1.29), a per-CPU variable at address 0 kept (≥ 1.28).
 */
export function beyondPahole124(features: FeatureSet): boolean {
  for (const f of features) if (!PAHOLE_124.has(f)) return true;
  return false;
}

/** Whether a `--features` list names the `pahole-1.24` preset, whose BTF was deduplicated by libbpf 1.1's rules. */
export function wantsLegacyDedup(list: string | undefined): boolean {
  return (list ?? '').split(',').some((item) => item.trim() === 'pahole-1.24');
}
