/**
 * The one form in which every operation that renumbers types reports where each type went
 * (`dedup`, `merge`, `distillBase`, `toStandalone`, `tryRelocate`, `minCore`, `vmlinuxSplit`).
 */

/**
 * Old type id → new type id. Indexed by the input's type id, base ids included when the input
 * is split BTF (so `idMap[id]` needs no offset arithmetic); its length is the input's
 * `nextId`. Index 0 (void) holds 0. A type the output does not have maps to 0.
 */
export type IdMap = Uint32Array;
