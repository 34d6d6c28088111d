/**
 * Comparing encoded BTF with a reference encoding (the BTF Debian ships, `pahole -J -j1`): every
 * own type by kind, name and shape (typeSignature: references by name for named types, spelled
 * out for anonymous ones), whatever the ids. pahole 1.24 with -j emits the same function more
 * than once (one copy per encoder thread, sometimes from different units with different
 * prototypes), so FUNCs are compared by distinct name, and each of ours must have the
 * prototype of one of the reference's copies; FUNC_PROTOs are left to the FUNCs that use them.
 */

import { typeSignature } from './type-signature.js';
import type { Btf } from '../../src/wire/btf.js';
import { Kind, kindName } from '../../src/wire/kinds.js';

export interface EncodeComparison {
  readonly equal: boolean;
  /** Distinct own-type signatures (FUNC and FUNC_PROTO aside) on each side. */
  readonly types: number;
  readonly functions: number;
  readonly problems: string[];
  /** Own types per kind name, each side. */
  readonly kindsOurs: Record<string, number>;
  readonly kindsRef: Record<string, number>;
}

function ownSignatures(btf: Btf): { types: Set<string>; funcs: Map<string, Set<string>>; kinds: Record<string, number> } {
  const types = new Set<string>();
  const funcs = new Map<string, Set<string>>();
  const kinds: Record<string, number> = {};
  for (let id = btf.startId; id < btf.nextId; id++) {
    const k = btf.kind(id);
    const kn = kindName(k);
    kinds[kn] = (kinds[kn] ?? 0) + 1;
    if (k === Kind.FUNC_PROTO) continue;
    const sig = typeSignature(btf, id);
    if (k === Kind.FUNC) {
      const name = btf.name(id);
      let set = funcs.get(name);
      if (!set) funcs.set(name, (set = new Set()));
      set.add(sig);
    } else types.add(sig);
  }
  return { types, funcs, kinds };
}

/**
 * `onlyInReference`: function names the reference may have and ours not (a difference
 * explained elsewhere); `refAlsoInBase`: signatures of base types the reference may repeat
 * (a dedup that kept a module copy of a base type). `alsoInBase`: signatures of base types that ours may repeat (a module relocated from its
 * distilled base keeps copies of the base's typedefs, pointers and the like, as the kernel does).
 */
export function compareEncoded(
  ours: Btf,
  ref: Btf,
  maxProblems = 20,
  alsoInBase?: ReadonlySet<string>,
  onlyInReference?: ReadonlySet<string>,
  refAlsoInBase?: ReadonlySet<string>,
): EncodeComparison {
  const a = ownSignatures(ours);
  const b = ownSignatures(ref);
  const problems: string[] = [];
  const note = (s: string): void => {
    if (problems.length < maxProblems) problems.push(s);
  };
  let bad = 0;
  const differs = (text: string): void => {
    bad++;
    note(text);
  };
  for (const s of a.types) if (!b.types.has(s) && !alsoInBase?.has(s)) differs(`only in ours: ${s.slice(0, 300)}`);
  for (const s of b.types) if (!a.types.has(s) && !refAlsoInBase?.has(s)) differs(`only in reference: ${s.slice(0, 300)}`);
  for (const [name, sigs] of a.funcs) {
    const refSigs = b.funcs.get(name);
    if (!refSigs) differs(`function only in ours: ${name}`);
    else if (sigs.size !== 1 || ![...sigs].every((s) => refSigs.has(s))) differs(`function ${name} differs: ${[...sigs].join(' | ').slice(0, 300)} vs ${[...refSigs].join(' | ').slice(0, 300)}`);
  }
  for (const name of b.funcs.keys()) if (!a.funcs.has(name) && !onlyInReference?.has(name)) differs(`function only in reference: ${name}`);
  return { equal: bad === 0, types: a.types.size, functions: a.funcs.size, problems, kindsOurs: a.kinds, kindsRef: b.kinds };
}

/** Signatures of every type of a base BTF. */
export function baseSignatures(base: Btf): Set<string> {
  const out = new Set<string>();
  for (let id = 1; id < base.nextId; id++) out.add(typeSignature(base, id));
  return out;
}
