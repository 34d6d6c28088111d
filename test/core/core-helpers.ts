/** Helpers for the CO-RE tests: loading fixtures, semantic comparison of BTF types. */

import type { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { Kind } from '../../src/wire/kinds.js';
import { forEachStrOffWord, forEachTypeIdWord } from '../../src/wire/fields.js';
import { CoreReloKind } from '../../src/wire/ext.js';
import type { CoreReloResult } from '../../src/ops/core/resolve.js';

/** A type as words with type ids passed through `mapId` and string offsets replaced by the strings. */
export function canonicalType(btf: Btf, id: number, mapId: (id: number) => number = (x) => x): string {
  const { words, offset } = btf.record(id);
  const shape = btf.shapeOf(id);
  const len = 3 + (shape.infoSize >>> 2) + btf.vlen(id) * (shape.elemSize >>> 2);
  const rec: Array<number | string> = Array.from(words.subarray(offset, offset + len));
  const w = Uint32Array.from(words.subarray(offset, offset + len));
  forEachTypeIdWord(w, 0, shape, (i) => {
    rec[i] = mapId(w[i]!);
  });
  forEachStrOffWord(w, 0, shape, (i) => {
    rec[i] = JSON.stringify(btf.str(w[i]!));
  }, true);
  return rec.join(' ');
}

/**
 * The value a relocation resolves to, comparable across target BTFs: TYPE_ID_TARGET values
 * are type ids of the target, so they go through `mapTargetId` (full id → minimal id).
 */
export function comparableValue(r: CoreReloResult, mapTargetId: (id: number) => number = (x) => x): string {
  if (r.error !== undefined) return `error ${r.errno}`;
  const v = r.value!;
  if (v.poison) return 'poison';
  if (r.kind === CoreReloKind.TYPE_ID_TARGET && v.newValue !== 0n) return `id ${mapTargetId(Number(v.newValue))}`;
  return String(v.newValue);
}

/** A module split BTF on vmlinux 7.1 with `struct nft_ctx` (as nf_tables has it). */
export function syntheticModule(base: Btf): Btf {
  const b = new BtfBuilder({ base });
  const u32 = base.findByNameKind('u32', Kind.TYPEDEF)!;
  const u16 = base.findByNameKind('u16', Kind.TYPEDEF)!;
  const u8 = base.findByNameKind('u8', Kind.TYPEDEF)!;
  const bool = base.findByNameKind('bool', Kind.TYPEDEF)!;
  const net = base.findByNameKind('net', Kind.STRUCT)!;
  const netPtr = b.addPtr(net);
  b.addStruct('nft_ctx', 48, [
    { name: 'net', type: netPtr, bitOffset: 0 },
    { name: 'portid', type: u32, bitOffset: 256 },
    { name: 'seq', type: u32, bitOffset: 288 },
    { name: 'flags', type: u16, bitOffset: 320 },
    { name: 'family', type: u8, bitOffset: 336 },
    { name: 'level', type: u8, bitOffset: 344 },
    { name: 'report', type: bool, bitOffset: 352 },
  ]);
  return b.build();
}

