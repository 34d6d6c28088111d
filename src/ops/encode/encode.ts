/**
 * BTF from DWARF, as `pahole -J` does: every unit's types appended in unit order (header types
 * repeat per unit), functions and per-CPU variables added by pahole's rules, then one dedup
 * (btfkit's, split-aware when a base is given) folds the copies together.
 *
 * Mapping (pahole): base type → INT (BOOL/SIGNED encodings; sizes that are not a power of two
 * or exceed 16 bytes → 4-byte `__SANITIZED_FAKE_INT__`), or FLOAT with the `float` feature;
 * pointer/const/volatile/restrict/typedef → the same kinds; struct/union (declaration → FWD,
 * kind_flag = union); array → one ARRAY, element count the product of all dimensions, index
 * type `int`; enumeration → ENUM (size ≤ 4) or ENUM64 (`enum64`), kind_flag when a value is
 * negative; subroutine type → FUNC_PROTO (varargs: a last parameter of type 0); unspecified
 * type → void.
 *
 * Functions: definitions whose every parameter is named and whose name is an STT_FUNC symbol;
 * the first definition of a name wins (static FUNC). Variables (`var`): top-level variables
 * whose address is a per-CPU symbol of the same name, one DATASEC `.data..percpu` sorted by offset.
 */

import { ET_REL, parseElf, type ElfFile } from '../../elf/elf.js';
import { readSymbols, STT_FUNC, STT_OBJECT, type ElfSymbols } from '../../elf/symbols.js';
import { DieCursor, DwarfInfo } from '../../dwarf/reader.js';
import { loadDwarfSections } from '../../dwarf/sections.js';
import type { Btf } from '../../wire/btf.js';
import { BtfBuilder } from '../../wire/builder.js';
import { BtfError, fail } from '../../wire/errors.js';
import { Kind, makeInfo } from '../../wire/kinds.js';
import { dedup } from '../dedup.js';
import { encoderSlotMap, UnitEncoder, type VariableCandidate } from './cu.js';
import { DEFAULT_FEATURES, type FeatureSet } from './features.js';

export interface EncodeOptions {
  /** Encode split BTF on this base (a module against its vmlinux). */
  readonly base?: Btf | undefined;
  readonly features?: FeatureSet | undefined;
  readonly file?: string | undefined;
  /** Called after each unit with (units done, units total). */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** Skip the final dedup (for tests and inspection). */
  readonly noDedup?: boolean | undefined;
}

export interface EncodeStats {
  readonly units: number;
  readonly typesBeforeDedup: number;
  readonly functions: number;
  readonly variables: number;
}

export interface EncodeResult {
  readonly btf: Btf;
  readonly stats: EncodeStats;
}

const PERCPU_SECTION = '.data..percpu';
const SKIPPED_VAR_PREFIXES = ['__UNIQUE_ID', '__tpstrtab_', '__exitcall_', '__gendwarfksyms_ptr_'];

/** Encode the DWARF of an ELF file (vmlinux, module, object) as BTF. */
export async function encodeBtf(elfBytes: Uint8Array, opts: EncodeOptions = {}): Promise<EncodeResult> {
  try {
    return await encodeInner(parseElf(elfBytes), opts);
  } catch (error) {
    if (error instanceof BtfError && opts.file !== undefined) error.withFile(opts.file);
    throw error;
  }
}

async function encodeInner(elf: ElfFile, opts: EncodeOptions): Promise<EncodeResult> {
  const features = opts.features ?? DEFAULT_FEATURES;
  const sections = await loadDwarfSections(elf, { file: opts.file });
  const dwarf = new DwarfInfo(sections);
  const symbols = readSymbols(elf);
  const functionNames = symbols ? functionSymbolNames(symbols) : undefined;
  const builder = new BtfBuilder({ base: opts.base, endian: elf.endian === 'big' ? 'big' : 'little' });
  const emitted = new Set<string>();
  // The first definition of a name wins; pahole 1.24 matches symbol names exactly.
  const acceptFunction = (name: string, external: boolean): boolean => {
    if (emitted.has(name)) return false;
    if (functionNames ? !functionNames.has(name) : !external) return false;
    emitted.add(name);
    return true;
  };
  const encoder = new UnitEncoder(dwarf, new DieCursor(dwarf, encoderSlotMap()), builder, features, acceptFunction);
  const percpu = features.has('var') ? percpuSymbols(elf, symbols) : undefined;
  const vars: Array<VariableCandidate & { offset: number; size: number; symbol: string }> = [];
  const seenVarOffsets = new Set<number>();
  let functionCount = 0;
  const total = dwarf.units.length;
  for (let u = 0; u < total; u++) {
    const result = encoder.encodeUnit(dwarf.units[u]!);
    for (const fn of result.functions) builder.addRecord([builder.addString(fn.name), makeInfo(Kind.FUNC, 0, false), fn.proto]);
    functionCount += result.functions.length;
    if (percpu) {
      for (const v of result.variables) {
        const hit = percpu.byAddress.get(v.address);
        if (!hit || hit.name !== v.name || seenVarOffsets.has(hit.offset)) continue;
        if (hit.size === 0 || SKIPPED_VAR_PREFIXES.some((p) => v.name.startsWith(p))) continue;
        seenVarOffsets.add(hit.offset);
        vars.push({ ...v, offset: hit.offset, size: hit.size, symbol: hit.name });
      }
    }
    opts.onProgress?.(u + 1, total);
  }
  if (percpu && vars.length > 0) {
    vars.sort((a, b) => a.offset - b.offset);
    const entries: number[] = [];
    for (const v of vars) {
      const id = builder.addRecord([builder.addString(v.symbol), makeInfo(Kind.VAR, 0, false), v.type, v.external ? 1 : 0]);
      entries.push(id, v.offset, v.size);
    }
    builder.addRecord([builder.addString(PERCPU_SECTION), makeInfo(Kind.DATASEC, vars.length, false), percpu.size, ...entries]);
  }
  const typesBeforeDedup = builder.typeCount;
  const raw = builder.build(opts.file !== undefined ? { file: opts.file } : {});
  const btf = opts.noDedup ? raw : dedup(raw, opts.file !== undefined ? { file: opts.file } : {}).btf;
  return { btf, stats: { units: total, typesBeforeDedup, functions: functionCount, variables: vars.length } };
}

/** Names of STT_FUNC symbols (exact: a `.isra.0` / `.constprop.0` clone does not name its origin). */
function functionSymbolNames(symbols: ElfSymbols): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < symbols.count; i++) if (symbols.type(i) === STT_FUNC) out.add(symbols.name(i));
  return out;
}

interface PercpuSymbols {
  readonly size: number;
  readonly byAddress: Map<bigint, { name: string; offset: number; size: number }>;
}

function percpuSymbols(elf: ElfFile, symbols: ElfSymbols | undefined): PercpuSymbols | undefined {
  const sec = elf.section(PERCPU_SECTION);
  if (!sec || !symbols) return undefined;
  const byAddress = new Map<bigint, { name: string; offset: number; size: number }>();
  for (let i = 0; i < symbols.count; i++) {
    if (symbols.shndx[i] !== sec.index || symbols.type(i) !== STT_OBJECT) continue;
    const addr = symbols.value[i]!;
    // pahole 1.24 takes address 0 of a linked image (vmlinux's fixed_percpu_data) for "no address".
    if (byAddress.has(addr) || (addr === 0n && elf.type !== ET_REL)) continue;
    const offset = Number(addr - (elf.type === ET_REL ? 0n : sec.addr));
    if (offset < 0 || offset > sec.size) fail('bad-elf', `per-CPU symbol ${symbols.name(i)} lies outside ${PERCPU_SECTION}`, { section: PERCPU_SECTION });
    byAddress.set(addr, { name: symbols.name(i), offset, size: symbols.size[i]! });
  }
  return { size: sec.size, byAddress };
}
