/**
 * Which variables become VARs, and their DATASECs. With `var`: top-level variables with a
 * static address whose symbol (same name, same address) lies in `.data..percpu`. With
 * `global_var` as well: in any allocated data section. Names pahole leaves out
 * (`__UNIQUE_ID*`, `__tpstrtab_*`, ...) and zero-sized symbols are skipped; an address is
 * encoded once. Each DATASEC lists its variables by offset and, as pahole does, ends at the
 * end of its last variable.
 */

import { type ElfFile, ET_REL, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS } from '../../elf/elf.js';
import { type ElfSymbols, STT_OBJECT } from '../../elf/symbols.js';
import type { BtfBuilder } from '../../wire/builder.js';
import { Kind, makeInfo } from '../../wire/kinds.js';

const PERCPU_SECTION = '.data..percpu';
const SKIPPED_PREFIXES = ['__UNIQUE_ID', '__tpstrtab_', '__exitcall_', '__gendwarfksyms_ptr_'];

interface VarSymbol {
  readonly section: number;
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface VarSlot extends VarSymbol {}

export class VariableTable {
  private readonly byAddress = new Map<bigint, VarSymbol[]>();
  private readonly seen = new Set<string>();
  private readonly entries: Array<VarSlot & { id: number }> = [];
  private readonly sectionNames = new Map<number, string>();

  /**
   * `newerPahole` (≥ 1.28): a variable at address 0 of a linked image is taken when its symbol
   * is there (vmlinux's fixed_percpu_data; pahole 1.24 takes address 0 for "none"), and one
   * whose type has no size is left out.
   */
  constructor(
    elf: ElfFile,
    symbols: ElfSymbols | undefined,
    allSections: boolean,
    private readonly newerPahole = false,
  ) {
    if (!symbols) return;
    const rel = elf.type === ET_REL;
    for (const sec of elf.sections) {
      const data = (sec.type === SHT_PROGBITS || sec.type === SHT_NOBITS) && (sec.flags & SHF_ALLOC) !== 0 && (sec.flags & SHF_EXECINSTR) === 0;
      if (!data || (!allSections && sec.name !== PERCPU_SECTION)) continue;
      this.sectionNames.set(sec.index, sec.name);
    }
    for (let i = 0; i < symbols.count; i++) {
      const shndx = symbols.shndx[i]!;
      const section = elf.sections[shndx];
      if (!this.sectionNames.has(shndx) || !section || symbols.type(i) !== STT_OBJECT) continue;
      const addr = symbols.value[i]!;
      // pahole 1.24 takes address 0 of a linked image (vmlinux's fixed_percpu_data) for "no address".
      if (addr === 0n && !rel && !newerPahole) continue;
      const offset = Number(addr - (rel ? 0n : section.addr));
      if (offset < 0 || offset > section.size) continue;
      const list = this.byAddress.get(addr) ?? [];
      list.push({ section: shndx, name: symbols.name(i), offset, size: symbols.size[i]! });
      this.byAddress.set(addr, list);
    }
  }

  /** The slot of a variable named `name` at `address`, or undefined to leave it out. */
  accept(name: string, address: bigint, typeSize: () => number): VarSlot | undefined {
    const hit = this.byAddress.get(address)?.find((s) => s.name === name);
    if (!hit || hit.size === 0 || SKIPPED_PREFIXES.some((p) => name.startsWith(p))) return undefined;
    const key = `${hit.section}:${hit.offset}`;
    if (this.seen.has(key)) return undefined;
    if (!this.newerPahole) {
      this.seen.add(key);
      return hit;
    }
    // pahole ≥ 1.28 sizes the entry by the (declared) type, and leaves out a variable whose
    // type has no size (`extern char x[]`). (It also repeats a variable met twice, which the
    // kernel refuses as overlapping entries: btfkit encodes it once.)
    const size = typeSize();
    if (size === 0) return undefined;
    this.seen.add(key);
    return size === hit.size ? hit : { ...hit, size };
  }

  /** Note the VAR encoded for a slot. */
  record(slot: VarSlot, id: number): void {
    this.entries.push({ ...slot, id });
  }

  get count(): number {
    return this.entries.length;
  }

  /** Append one DATASEC per section that has variables, in section order. */
  addDatasecs(builder: BtfBuilder): void {
    const bySection = new Map<number, Array<VarSlot & { id: number }>>();
    for (const e of this.entries) {
      const list = bySection.get(e.section) ?? [];
      list.push(e);
      bySection.set(e.section, list);
    }
    for (const section of [...bySection.keys()].sort((a, b) => a - b)) {
      const list = bySection.get(section)!.sort((a, b) => a.offset - b.offset);
      const last = list[list.length - 1]!;
      const words = [builder.addString(this.sectionNames.get(section)!), makeInfo(Kind.DATASEC, list.length, false), last.offset + last.size];
      for (const v of list) words.push(v.id, v.offset, v.size);
      builder.addRecord(words);
    }
  }
}
