/**
 * Several split BTFs on one base as one BTF, for one header over several modules: the
 * base's types, then every module's own types, deduplicated (libbpf's algorithm, from
 * ops/merge) so that a type two modules both carry is written once. Types that only share
 * a name stay distinct and the dumper de-conflicts them (`name___2`).
 */

import { merge } from '../../ops/merge.js';
import type { Btf } from '../../wire/btf.js';
import { BtfError } from '../../wire/errors.js';

/** Several split BTFs on one base as one split BTF on it, every shared type once (for one header). */
export function mergeSplitBtfs(splits: readonly Btf[], base: Btf): Btf {
  for (const s of splits) {
    if (s.base !== base) throw new BtfError('invalid-argument', 'all split BTFs must be on the same base', { ...(s.file !== undefined ? { file: s.file } : {}) });
  }
  if (splits.length === 1) return splits[0]!;
  return merge(splits, base).btf;
}
