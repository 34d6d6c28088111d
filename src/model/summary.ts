/** What `btfkit info` reports about a BTF, as data (also its --json output). */

import type { OpenedBtf } from '../open.js';
import type { BtfHeader } from '../wire/header.js';
import type { LayoutEntry } from '../wire/btf.js';
import { infoKind, kindName } from '../wire/kinds.js';

/** What `btfkit info` prints: header, sections, byte order, split or not, counts per kind. */
export interface BtfSummary {
  file: string;
  container: 'raw' | 'elf';
  endian: 'little' | 'big';
  header: Omit<BtfHeader, 'hasNonZeroExtra'> & { hasNonZeroExtra: boolean };
  typeCount: number;
  firstId: number;
  lastId: number;
  split: { startId: number; startStrOff: number; baseTypes: number } | null;
  distilledBase: { types: number; bytes: number } | null;
  namesSorted: boolean;
  kinds: Record<string, number>;
  layout: LayoutEntry[] | null;
  ext: { funcInfo: number; lineInfo: number; coreRelos: number } | null;
}

/** Summarize an opened BTF (`btfkit info`); `file` labels it. */
export function btfSummary(opened: OpenedBtf, file: string): BtfSummary {
  const { btf } = opened;
  const counts = new Map<number, number>();
  for (let i = 0; i < btf.offsets.length; i++) {
    const k = infoKind(btf.words[btf.offsets[i]! + 1]!);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const kinds: Record<string, number> = {};
  for (const k of [...counts.keys()].sort((a, b) => a - b)) kinds[kindName(k)] = counts.get(k)!;
  const count = (secs: readonly { records: readonly unknown[] }[]): number => secs.reduce((a, s) => a + s.records.length, 0);
  return {
    file,
    container: opened.container,
    endian: btf.endian,
    header: { ...btf.header },
    typeCount: btf.typeCount,
    firstId: btf.startId,
    lastId: btf.nextId - 1,
    split: btf.base ? { startId: btf.startId, startStrOff: btf.startStrOff, baseTypes: btf.startId - 1 } : null,
    distilledBase: opened.distilledBase ? { types: opened.distilledBase.typeCount, bytes: opened.distilledBase.bytes.length } : null,
    namesSorted: btf.namesSorted,
    kinds,
    layout: btf.layout ? [...btf.layout] : null,
    ext: opened.ext ? { funcInfo: count(opened.ext.funcInfo), lineInfo: count(opened.ext.lineInfo), coreRelos: count(opened.ext.coreRelos) } : null,
  };
}
