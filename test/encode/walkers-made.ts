/** Test helper: which walkers WasmUnitWalker.create makes (walked in place or on copied sections). */

import { WasmUnitWalker } from '../../src/ops/encode/walk-core.js';

/** The `inPlace` of every walker WasmUnitWalker.create makes until done() is called (which restores it). */
export function walkersMade(): { readonly made: boolean[]; done(): boolean[] } {
  const original = WasmUnitWalker.create;
  const made: boolean[] = [];
  WasmUnitWalker.create = (...args: Parameters<typeof WasmUnitWalker.create>) => {
    const walker = original.apply(WasmUnitWalker, args);
    if (walker) made.push(walker.inPlace);
    return walker;
  };
  return {
    made,
    done() {
      WasmUnitWalker.create = original;
      return made;
    },
  };
}
