/**
 * Resolving every CO-RE relocation of a BPF object against target BTF (libbpf's
 * bpf_core_calc_relo_insn, with its per-object candidate cache), keeping what is needed to
 * explain each decision: the local spec, each candidate and why it did or did not match,
 * the chosen target spec and the value.
 */

import type { Btf } from '../../wire/btf.js';
import type { BtfExt } from '../../wire/ext.js';
import { CoreReloKind, CORE_RELO_KIND_NAMES } from '../../wire/ext.js';
import type { Endian } from '../../wire/header.js';
import { calcRelo, type ReloValue } from './calc.js';
import { type Candidate, type CoreTargetBtf, findCandidates, prepareCandidates } from './candidates.js';
import { type CoreSpec, matchSpec, parseSpec } from './spec.js';
import { CoreError } from './types.js';

/** One candidate of a relocation and whether its spec matched. */
export interface CandidateOutcome {
  readonly candidate: Candidate;
  /** Target spec when the candidate matched. */
  readonly spec?: CoreSpec | undefined;
  /** Why it did not match. */
  readonly reason?: string | undefined;
  readonly value?: ReloValue | undefined;
}

/** One CO-RE relocation resolved: candidates, chosen target, value, or the error libbpf would fail with. */
export interface CoreReloResult {
  /** ELF section of the instruction. */
  readonly section: string;
  /** Index of the record within its section's relocations. */
  readonly index: number;
  readonly insnOff: number;
  readonly kind: number;
  readonly kindName: string;
  readonly localTypeId: number;
  readonly accessStr: string;
  readonly localSpec?: CoreSpec | undefined;
  /** Candidates considered (after the cache trimmed them), in order. */
  readonly candidates: readonly CandidateOutcome[];
  /** The first matching candidate (what libbpf uses), if any. */
  readonly target?: CoreSpec | undefined;
  readonly targetBtf?: CoreTargetBtf | undefined;
  readonly value?: ReloValue | undefined;
  /** Set when libbpf would refuse to load the object because of this relocation. */
  readonly error?: string | undefined;
  readonly errno?: string | undefined;
}

/** Options of `resolveCoreRelos`. */
export interface ResolveOptions {
  /** Module BTFs (split on vmlinux), searched only when vmlinux has no candidate. */
  readonly modules?: readonly CoreTargetBtf[] | undefined;
  /** Byte order for bitfield shifts (default: the object's). */
  readonly endian?: Endian | undefined;
  /** Keep every candidate outcome (for explaining); default true. */
  readonly explain?: boolean | undefined;
}

/** A BPF object to resolve: its BTF and `.BTF.ext` (the relocations). */
export interface CoreObject {
  readonly btf: Btf;
  readonly ext?: BtfExt | undefined;
}

/** Resolve every relocation of `obj` against `vmlinux` (and modules). */
export function resolveCoreRelos(obj: CoreObject, vmlinux: Btf | CoreTargetBtf, opts: ResolveOptions = {}): CoreReloResult[] {
  const vm: CoreTargetBtf = 'btf' in vmlinux ? vmlinux : { name: 'vmlinux', btf: vmlinux };
  const endian = opts.endian ?? obj.btf.endian;
  const explain = opts.explain ?? true;
  const modules = opts.modules ?? [];
  const cache = new Map<number, Candidate[]>();
  const out: CoreReloResult[] = [];
  // One pass over the target for every local name the relocations need.
  const names = new Set<string>();
  for (const sec of obj.ext?.coreRelos ?? []) {
    for (const r of sec.records) if (r.kind !== CoreReloKind.TYPE_ID_LOCAL && obj.btf.hasType(r.typeId) && r.typeId !== 0) names.add(obj.btf.name(r.typeId));
  }
  prepareCandidates(vm.btf, names);
  for (const sec of obj.ext?.coreRelos ?? []) {
    const section = obj.btf.str(sec.secNameOff);
    sec.records.forEach((r, index) => {
      const base = {
        section,
        index,
        insnOff: r.insnOff,
        kind: r.kind,
        kindName: CORE_RELO_KIND_NAMES[r.kind] ?? `kind ${r.kind}`,
        localTypeId: r.typeId,
        accessStr: obj.btf.strValid(r.accessStrOff) ? obj.btf.str(r.accessStrOff) : '',
      };
      let localSpec: CoreSpec | undefined;
      const candidates: CandidateOutcome[] = [];
      try {
        if (!obj.btf.strValid(r.accessStrOff)) throw new CoreError('EINVAL', `access string offset ${r.accessStrOff} is outside the string section`);
        localSpec = parseSpec(obj.btf, r.typeId, base.accessStr, r.kind);
        if (r.kind === CoreReloKind.TYPE_ID_LOCAL) {
          const v = BigInt(r.typeId);
          out.push({ ...base, localSpec, candidates, value: { origValue: v, newValue: v, poison: false, validate: false, failMemszAdjust: false, origSize: 0, newSize: 0 } });
          return;
        }
        if (obj.btf.nameOff(r.typeId) === 0) throw new CoreError('EOPNOTSUPP', 'relocations against anonymous types are not supported');
        let cands = cache.get(r.typeId);
        if (!cands) {
          cands = findCandidates(obj.btf, r.typeId, vm, modules);
          cache.set(r.typeId, cands);
        }
        let target: CoreSpec | undefined;
        let targetBtf: CoreTargetBtf | undefined;
        let value: ReloValue | undefined;
        const kept: Candidate[] = [];
        for (const c of cands) {
          const m = matchSpec(localSpec, c.target.btf, c.id);
          if (typeof m === 'string') {
            if (explain) candidates.push({ candidate: c, reason: m });
            continue;
          }
          const v = calcRelo(r.kind, localSpec, m, endian);
          if (explain) candidates.push({ candidate: c, spec: m, value: v });
          if (!target || !value) {
            target = m;
            targetBtf = c.target;
            value = v;
          } else if (m.bitOffset !== target.bitOffset) {
            throw new CoreError('EINVAL', `field offset ambiguity: bit ${m.bitOffset} in ${c.target.name} [${c.id}] != bit ${target.bitOffset} in ${targetBtf?.name} [${target.rootTypeId}]`);
          } else if (v.poison !== value.poison || v.newValue !== value.newValue) {
            throw new CoreError('EINVAL', `relocation decision ambiguity: ${c.target.name} [${c.id}] gives ${fmtVal(v)}, ${targetBtf?.name} [${target.rootTypeId}] gives ${fmtVal(value)}`);
          }
          kept.push(c);
        }
        if (kept.length > 0) cache.set(r.typeId, kept);
        if (!target) value = calcRelo(r.kind, localSpec, undefined, endian);
        out.push({ ...base, localSpec, candidates, target, targetBtf, value });
      } catch (e) {
        if (!(e instanceof CoreError)) throw e;
        out.push({ ...base, localSpec, candidates, error: e.rule, errno: e.errno });
      }
    });
  }
  return out;
}

function fmtVal(v: ReloValue): string {
  return v.poison ? 'poison' : String(v.newValue);
}
