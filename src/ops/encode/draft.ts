/**
 * Units walked elsewhere (worker threads) and finished here, in unit order, so the output does
 * not depend on how many threads walked: the walk of a unit depends on nothing but the unit,
 * and every decision that spans units (function and variable policies, records folded into an
 * earlier unit's, builder ids) is taken by the one thread that finishes them in order.
 */

import type { StringSink, UnitDraft } from './cu.js';

/** A walked unit: its draft (undefined for a unit left out), and the names it introduced. */
export interface WalkedUnit {
  readonly draft: UnitDraft | undefined;
  /** Which walker produced it: name keys are per walker. */
  readonly walker: number;
  /** Names the walker interned since its previous unit, in key order. */
  readonly newNames: readonly string[];
}

/** Walked units by index (of `total`); asked for in order 0, 1, 2, ... */
export interface DraftSource {
  unit(index: number, total: number): Promise<WalkedUnit>;
}

/** A walker's name table: keys 1, 2, ... in order of first use, 0 for the empty name. */
export class KeyedNames implements StringSink {
  private readonly keys = new Map<string, number>();
  private pending: string[] = [];

  addString(s: string): number {
    if (s === '') return 0;
    let k = this.keys.get(s);
    if (k === undefined) {
      k = this.keys.size + 1;
      this.keys.set(s, k);
      this.pending.push(s);
    }
    return k;
  }

  /** Names added since the last call. */
  takeNew(): string[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/** The main thread's view of every walker's names: key → builder string offset. */
export class WalkerNames {
  private readonly names: string[][] = [];
  private readonly offsets: number[][] = [];

  constructor(private readonly sink: StringSink) {}

  /** Record a walked unit's new names and return the key mapper for its draft. */
  mapperFor(unit: WalkedUnit): (key: number) => number {
    const names = (this.names[unit.walker] ??= []);
    const offsets = (this.offsets[unit.walker] ??= []);
    for (const n of unit.newNames) names.push(n);
    return (key: number): number => {
      if (key === 0) return 0;
      let off = offsets[key - 1];
      if (off === undefined) {
        const name = names[key - 1];
        if (name === undefined) throw new RangeError(`name key ${key} unknown to walker ${unit.walker}`);
        off = this.sink.addString(name);
        offsets[key - 1] = off;
      }
      return off;
    };
  }
}
