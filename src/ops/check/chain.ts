/**
 * The modifier chain check after pass 2 (btf_check_type_tags; btf_check_modifier_chain_length
 * in 7.2+): chains of modifiers end within 32 steps, and (before 7.2) type tags come first.
 */

import { isModifierKernel, Kind } from '../../wire/kinds.js';
import type { CheckContext } from './context.js';
import { EINVAL, ELOOP } from './errno.js';

const MAX_CHAIN_LENGTH = 32;

export function checkChains(c: CheckContext): void {
  const start = c.base ? c.startId : 1;
  const n = c.nextId;
  // Every chain through ids up to `good` was already walked and found good.
  let good = start - 1;
  for (let i = start; i < n; i++) {
    let k = c.kindOf(i);
    if (!isModifierKernel(k)) continue;
    let limit = MAX_CHAIN_LENGTH;
    let inTags = k === Kind.TYPE_TAG;
    let cur = i;
    while (isModifierKernel(k)) {
      if (limit-- === 0) c.stop('chain', 'max-chain-length-or-cycle-detected', 'Max chain length or cycle detected', ELOOP, c.typeAt(i));
      if (k === Kind.TYPE_TAG) {
        if (!inTags && c.rules.typeTagOrder) c.stop('chain', 'type-tags-dont-precede-modifiers', "Type tags don't precede modifiers", EINVAL, c.typeAt(i, 0, `type tag [${cur}] follows a modifier`));
      } else inTags = false;
      if (cur <= good) break;
      cur = c.word(cur, 2);
      k = c.kindOf(cur);
      if (k < 0) c.stop('chain', 'type-id-out-of-range-in-modifier-chain', 'type id out of range in modifier chain', EINVAL, c.typeAt(i, 2, `type_id=${cur} (the kernel returns EINVAL without a log line)`));
    }
    good = i;
  }
}
