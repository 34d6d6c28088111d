/**
 * Which function definitions become FUNCs.
 *
 * Without `consistent_func` (pahole 1.24): a definition whose every parameter is named and
 * whose name is exactly an STT_FUNC symbol; the first unit's definition of a name wins and is
 * encoded in that unit.
 *
 * With `optimized_func` (pahole ≥ 1.25), a name with no symbol of its own is also taken when
 * a symbol is that name plus a compiler suffix (`name.isra.0`, `name.constprop.0`, ...): the
 * function the compiler cloned with a changed calling convention. With it, `consistent_func`
 * or any other feature pahole 1.24 lacks, functions are encoded after the last unit, sorted
 * by name (the first definition of each), as pahole ≥ 1.29 does.
 *
 * With `consistent_func` (pahole ≥ 1.25): every definition of a name is compared, and the name
 * is left out when two prototypes differ (parameter count, or a parameter or return type that
 * differs other than by `const`, a forward declaration matching the struct of that name), when
 * a parameter arrives in another register than its argument register in any definition or
 * out-of-line instance (locations.ts; pahole excuses functions with a struct parameter, which
 * may take several registers), or when several STT_FUNC symbols of that name have different
 * addresses (which one would BTF describe? pahole ≥ 1.31 leaves these out too; 1.30 kept one).
 * The survivors are encoded after the last unit, sorted by name as pahole ≥ 1.29 does, the
 * first definition's prototype for each.
 */

import type { ElfSymbols } from '../../elf/symbols.js';
import { STT_FUNC } from '../../elf/symbols.js';
import type { Btf } from '../../wire/btf.js';
import type { BtfBuilder } from '../../wire/builder.js';
import { infoKflag, infoKind, infoVlen, Kind, makeInfo } from '../../wire/kinds.js';
import type { DeferredFunction } from './cu.js';

interface Candidate {
  readonly def: DeferredFunction;
  readonly signature: string;
  consistent: boolean;
  /** A definition has a parameter in an unexpected register (and no struct parameter). */
  unexpected: boolean;
}

export class FunctionTable {
  /** STT_FUNC names → how many distinct addresses carry the name. */
  private readonly symbolAddresses = new Map<string, Set<bigint>>();
  /** Names before the first '.' of suffixed STT_FUNC symbols (`foo` of `foo.isra.0`). */
  private readonly suffixed = new Set<string>();
  private readonly emitted = new Set<string>();
  private readonly candidates = new Map<string, Candidate>();
  /** Names dropped for inconsistent prototypes (for statistics and tests). */
  readonly inconsistent = new Set<string>();
  /** Names dropped for a parameter in an unexpected register (for statistics and tests). */
  readonly unexpectedRegister = new Set<string>();
  /** Names dropped for having several addresses (for statistics and tests). */
  readonly ambiguous = new Set<string>();

  private readonly consistent: boolean;
  private readonly optimized: boolean;
  private readonly sorted: boolean;

  /**
   * `consistent`, `optimized`: the features of those names. `sorted`: functions are saved
   * and written after the last unit, sorted by name (pahole ≥ 1.29; implied by the other two);
   * else each in its unit, the first definition of a name winning (pahole 1.24).
   */
  constructor(symbols: ElfSymbols | undefined, opts: { readonly consistent: boolean; readonly optimized?: boolean; readonly sorted?: boolean }) {
    this.consistent = opts.consistent;
    this.optimized = opts.optimized === true;
    this.sorted = opts.sorted === true || this.consistent || this.optimized;
    if (!symbols) return;
    for (let i = 0; i < symbols.count; i++) {
      if (symbols.type(i) !== STT_FUNC) continue;
      const name = symbols.name(i);
      let set = this.symbolAddresses.get(name);
      if (!set) this.symbolAddresses.set(name, (set = new Set()));
      set.add(symbols.value[i]!);
      const dot = name.indexOf('.');
      if (dot > 0) this.suffixed.add(name.slice(0, dot));
    }
  }

  private hasSymbols(): boolean {
    return this.symbolAddresses.size > 0;
  }

  /**
   * Every name accept() may take: any other is skipped, and asking changes nothing. Undefined
   * when that is not known (without symbols, external functions are taken).
   */
  candidateNames(): string[] | undefined {
    if (!this.hasSymbols()) return undefined;
    const names = [...this.symbolAddresses.keys()];
    if (this.optimized) for (const name of this.suffixed) names.push(name);
    return names;
  }

  accept(name: string, external: boolean): 'now' | 'defer' | 'skip' {
    const addresses = this.symbolAddresses.get(name);
    const named = addresses !== undefined || (this.optimized && this.suffixed.has(name));
    if (this.hasSymbols() ? !named : !external) return 'skip';
    // pahole 1.24 (neither feature) encodes each function in its unit, the first wins; later
    // pahole saves them all and writes them sorted at the end.
    if (!this.sorted) {
      if (this.emitted.has(name)) return 'skip';
      this.emitted.add(name);
      return 'now';
    }
    // A name at several addresses is still taken in (its parameter names are strings pahole
    // keeps) and left out at the end.
    if (this.consistent && addresses !== undefined && addresses.size > 1) this.ambiguous.add(name);
    return 'defer';
  }

  /** A deferred definition from a unit, its types already in `builder` (on `base`). */
  add(def: DeferredFunction, builder: BtfBuilder, base: Btf | undefined): void {
    const signature = protoSignature(def.proto, builder, base);
    const unexpected = def.unexpectedRegister && !hasStructParameter(def.proto, builder, base);
    const have = this.candidates.get(def.name);
    if (!have) {
      this.candidates.set(def.name, { def, signature, consistent: true, unexpected });
      if (unexpected) this.unexpectedRegister.add(def.name);
      return;
    }
    if (unexpected && !have.unexpected) {
      have.unexpected = true;
      this.unexpectedRegister.add(def.name);
    }
    if (have.consistent && have.signature !== signature) {
      have.consistent = false;
      this.inconsistent.add(def.name);
    }
  }

  /**
   * Append FUNC_PROTO + FUNC (+ decl tags, + `kfuncTags` of its name) of every deferred
   * function kept, sorted by name. Returns name → FUNC id.
   */
  flush(builder: BtfBuilder, kfuncTags: ReadonlyMap<string, readonly string[]> = new Map()): Map<string, number> {
    const ids = new Map<string, number>();
    const names = [...this.candidates.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const c = this.candidates.get(name)!;
      if (this.consistent && (!c.consistent || c.unexpected || this.ambiguous.has(name))) continue;
      const proto = builder.addRecord(c.def.proto);
      const func = builder.addRecord([builder.addString(name), makeInfo(Kind.FUNC, 0, false), proto]);
      for (const [value, component] of c.def.tags) builder.addRecord([value, makeInfo(Kind.DECL_TAG, 0, false), func, component >>> 0]);
      // A kfunc's bpf_kfunc / bpf_fastcall tags follow it (pahole ≥ 1.29).
      for (const tag of kfuncTags.get(name) ?? []) builder.addRecord([builder.addString(tag), makeInfo(Kind.DECL_TAG, 0, false), func, -1 >>> 0]);
      ids.set(name, func);
    }
    return ids;
  }
}

/**
 * A prototype's shape for comparing definitions from different units, whose type ids differ
 * before dedup: named types by kind and name (a FWD as the struct or union it declares),
 * modifiers other than `const` and anonymous types spelled out, to a bounded depth.
 */
function protoSignature(proto: Uint32Array, builder: BtfBuilder, base: Btf | undefined): string {
  const vlen = infoVlen(proto[1]!);
  const parts = [shape(proto[2]!, builder, base, 0)];
  for (let i = 0; i < vlen; i++) parts.push(shape(proto[3 + i * 2 + 1]!, builder, base, 0));
  return parts.join(',');
}

/**
 * A parameter whose type is a struct (through typedefs and const), as pahole's (1.25–1.30)
 * exemption from the register rule: a struct by value may take several registers.
 */
function hasStructParameter(proto: Uint32Array, builder: BtfBuilder, base: Btf | undefined): boolean {
  const vlen = infoVlen(proto[1]!);
  for (let i = 0; i < vlen; i++) {
    let id = proto[3 + i * 2 + 1]!;
    for (let hops = 0; id !== 0 && hops < 32; hops++) {
      const w = record(id, builder, base);
      const kind = infoKind(w[1]!);
      if (kind === Kind.STRUCT || (kind === Kind.FWD && !infoKflag(w[1]!))) return true;
      if (kind !== Kind.TYPEDEF && kind !== Kind.CONST) break;
      id = w[2]!;
    }
  }
  return false;
}

function record(id: number, builder: BtfBuilder, base: Btf | undefined): Uint32Array {
  if (id >= builder.startId) return builder.recordWords(id);
  const r = base!.record(id);
  return r.words.subarray(r.offset);
}

function shape(id: number, builder: BtfBuilder, base: Btf | undefined, depth: number): string {
  if (id === 0) return 'void';
  if (depth > 8) return '…';
  const w = record(id, builder, base);
  const kind = infoKind(w[1]!);
  const kflag = infoKflag(w[1]!);
  const name = w[0]!;
  const inner = (t: number): string => shape(t, builder, base, depth + 1);
  switch (kind) {
    case Kind.CONST:
      return inner(w[2]!);
    case Kind.PTR:
      return `*${inner(w[2]!)}`;
    case Kind.VOLATILE:
      return `volatile ${inner(w[2]!)}`;
    case Kind.RESTRICT:
      return `restrict ${inner(w[2]!)}`;
    case Kind.TYPE_TAG:
      return `tag${name} ${inner(w[2]!)}`;
    case Kind.ARRAY:
      return `${inner(w[3]!)}[${w[5]}]`;
    case Kind.FWD:
      return `${kflag ? 'union' : 'struct'} ${name}`;
    case Kind.STRUCT:
    case Kind.UNION: {
      const kw = kind === Kind.UNION ? 'union' : 'struct';
      if (name !== 0) return `${kw} ${name}`;
      return `${kw} {${w[2]}:${w[1]! & 0xffff}}`;
    }
    case Kind.ENUM:
    case Kind.ENUM64:
      return name !== 0 ? `enum ${name}` : `enum {${w[2]}}`;
    case Kind.TYPEDEF:
      return `typedef ${name}`;
    case Kind.FUNC_PROTO: {
      const parts: string[] = [];
      for (let i = 0; i < infoVlen(w[1]!); i++) parts.push(inner(w[3 + i * 2 + 1]!));
      return `fn(${parts.join(',')})${inner(w[2]!)}`;
    }
    default:
      return `${kind}:${name}:${w[2]}`;
  }
}
