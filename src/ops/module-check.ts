/**
 * "Will this module's BTF load?" — what the kernel's module loader (btf_parse_module,
 * kernel/bpf/btf.c, Linux 6.11+) does with a module's `.BTF` (and `.BTF.base`) on a given
 * vmlinux, and what `/sys/kernel/btf/<module>` would then hold:
 *
 *  - no `.BTF`:              the module loads, without BTF.
 *  - `.BTF.base` present:    distilled base checked (meta), module BTF checked on it (meta +
 *                            modifier chains), then relocated onto vmlinux (spec §3.3).
 *  - plain split `.BTF`:     checked as split BTF on vmlinux (meta + modifier chains, the
 *                            kernel's module checks), plus btfkit's consistency checks.
 *  - standalone `.BTF`:      (2022 RFC, §5.1; mainline kernels reject it) detected and renumbered.
 *
 * A failure makes module loading fail, unless the kernel has CONFIG_MODULE_ALLOW_BTF_MISMATCH,
 * in which case the module loads without BTF.
 */

import { ET_REL, type ElfFile, isElf, parseElf } from '../elf/index.js';
import { determinePtrSize } from '../model/sizes.js';
import { Btf } from '../wire/btf.js';
import { BtfError } from '../wire/errors.js';
import { forEachStrOffWord } from '../wire/fields.js';
import { infoKind } from '../wire/kinds.js';
import { checkBtf, type Finding } from './check.js';
import { distillBase } from './distill.js';
import { baseDiff, baseMismatch, explainRelocation, type ModuleRootCause } from './module-explain.js';
import { tryRelocate } from './relocate.js';
import type { RelocationDiagnosis } from './relocate-diagnosis.js';
import { detectStandaloneModule, renumberStandalone } from './standalone.js';

/** What BTF a module carries. */
export type ModuleBtfKind = 'none' | 'split' | 'distilled' | 'standalone' | 'unusable';
/** What the module loader does with the module's BTF. */
export type ModuleVerdict = 'loads' | 'loads-without-btf' | 'rejected';

/** What `/sys/kernel/btf/<module>` would hold. */
export interface SysfsView {
  /** Types in /sys/kernel/btf/<module> (own types of the split BTF). */
  readonly types: number;
  readonly firstId: number;
  readonly lastId: number;
  /** Size of the file in bytes. */
  readonly bytes: number;
}

/** The result of `checkModule`: verdict, reasons and warnings. */
export interface ModuleCheck {
  readonly module: string;
  readonly file: string;
  readonly btf: ModuleBtfKind;
  readonly verdict: ModuleVerdict;
  /** What /sys/kernel/btf/<module> would hold, when the module's BTF is accepted. */
  readonly sysfs?: SysfsView | undefined;
  /** Why, in words: the first one is the deciding reason. */
  readonly reasons: readonly string[];
  /** Non-fatal observations (e.g. signs that the module was built for another vmlinux). */
  readonly warnings: readonly string[];
  readonly relocation?: RelocationDiagnosis | undefined;
  /** With `builtAgainst`: the vmlinux changes that make the module's BTF fail, leaf first. */
  readonly rootCauses?: readonly ModuleRootCause[] | undefined;
  /** With `builtAgainst`, for a rejected plain split module: would a distilled base have loaded? */
  readonly distilledOutcome?: 'loads' | 'rejected' | undefined;
}

/** Options of `checkModule`. */
export interface ModuleCheckOptions {
  /** CONFIG_MODULE_ALLOW_BTF_MISMATCH=y: a rejected BTF means "loads without BTF". */
  readonly allowMismatch?: boolean | undefined;
  /** Treat standalone module BTF the way the 2022 RFC kernel would (default true). */
  readonly standalone?: boolean | undefined;
  /**
   * The vmlinux the module was built against: failures are explained down to the change
   * between it and the kernel, and a plain split module also gets its distilled-base outcome.
   */
  readonly builtAgainst?: Btf | undefined;
}

/** The module name the kernel uses: file name without directories and .ko(.xz/.gz/.zst). */
export function moduleNameOf(file: string): string {
  const base = file.split('/').pop() ?? file;
  return base.replace(/\.(xz|gz|zst)$/, '').replace(/\.(ko|btf|o)$/, '').replace(/-/g, '_');
}

/**
 * What the module loader's ELF header checks (elf_validity_ehdr) refuse before BTF is looked
 * at: a file that is not a relocatable object, has no section headers, or is of the other
 * ELF class than the kernel (a flipped EI_CLASS byte makes a 64-bit module read as ELF32).
 */
function loaderRefuses(elf: ElfFile, kernel: Btf): string | undefined {
  if (elf.type !== ET_REL) return `e_type is ${elf.type}, not ET_REL (a module is a relocatable object)`;
  if (elf.shoff === 0 || elf.sections.length <= 1) return 'no section header table';
  const ptrSize = determinePtrSize(kernel);
  const kernelClass = ptrSize === undefined ? undefined : ptrSize * 8;
  if (kernelClass !== undefined && elf.class !== kernelClass) return `ELF${elf.class} file for a ${kernelClass}-bit kernel (EI_CLASS)`;
  return undefined;
}

/**
 * Check one module (ELF .ko bytes or raw split BTF, read from `file`, which names the module)
 * against a kernel's vmlinux BTF.
 */
export function checkModule(bytes: Uint8Array, file: string, kernel: Btf, opts: ModuleCheckOptions = {}): ModuleCheck {
  const module = moduleNameOf(file);
  const reasons: string[] = [];
  const warnings: string[] = [];
  let rootCauses: ModuleRootCause[] | undefined;
  let distilledOutcome: ModuleCheck['distilledOutcome'];
  const rejected = (btf: ModuleBtfKind, relocation?: RelocationDiagnosis): ModuleCheck => ({
    module,
    file,
    btf,
    verdict: opts.allowMismatch ? 'loads-without-btf' : 'rejected',
    reasons: [...reasons, opts.allowMismatch ? 'CONFIG_MODULE_ALLOW_BTF_MISMATCH: the module loads without BTF' : `module load fails: "failed to validate module [${module}] BTF: -22"`],
    warnings,
    ...(relocation ? { relocation } : {}),
    ...(rootCauses ? { rootCauses } : {}),
    ...(distilledOutcome ? { distilledOutcome } : {}),
  });
  /** With the vmlinux it was built against: each failure down to the vmlinux change. */
  const explain = (diag: RelocationDiagnosis, prefix: string): void => {
    if (!opts.builtAgainst) return;
    rootCauses = explainRelocation(diag, baseDiff(opts.builtAgainst, kernel));
    for (const c of rootCauses) reasons.push(`${prefix}${c.chain}`);
  };
  const accepted = (btf: ModuleBtfKind, split: Btf, bytesLen: number): ModuleCheck => ({
    module,
    file,
    btf,
    verdict: 'loads',
    sysfs: { types: split.typeCount, firstId: split.startId, lastId: split.nextId - 1, bytes: bytesLen },
    reasons,
    warnings,
  });

  let btfBytes: Uint8Array;
  let baseBytes: Uint8Array | undefined;
  try {
    if (isElf(bytes)) {
      const elf = parseElf(bytes);
      const refused = loaderRefuses(elf, kernel);
      if (refused !== undefined) {
        return { module, file, btf: 'unusable', verdict: 'rejected', reasons: [`the module loader refuses the file (ENOEXEC): ${refused}`], warnings };
      }
      const sec = elf.section('.BTF');
      if (!sec || sec.size === 0) {
        return { module, file, btf: 'none', verdict: 'loads-without-btf', reasons: ['no .BTF section: the module has no BTF'], warnings };
      }
      btfBytes = elf.sectionData(sec);
      const b = elf.section('.BTF.base');
      if (b) baseBytes = elf.sectionData(b);
    } else {
      btfBytes = bytes;
    }
  } catch (e) {
    reasons.push(`cannot read the module: ${(e as Error).message}`);
    return { module, file, btf: 'unusable', verdict: 'rejected', reasons, warnings };
  }

  if (baseBytes) {
    // btf_parse_base + btf_parse_module on the distilled base, then btf_relocate.
    const baseCheck = checkBtf(baseBytes, { mode: 'vmlinux' });
    if (!baseCheck.valid) {
      reasons.push(`.BTF.base is invalid: ${firstFinding(baseCheck.findings)}`);
      return rejected('distilled');
    }
    let dist: Btf;
    let split: Btf;
    try {
      dist = Btf.parse(baseBytes, { section: '.BTF.base', file });
      const modCheck = checkBtf(btfBytes, { base: dist, mode: 'module' });
      if (!modCheck.valid) {
        reasons.push(`.BTF is invalid on its distilled base: ${firstFinding(modCheck.findings)}`);
        return rejected('distilled');
      }
      split = Btf.parse(btfBytes, { base: dist, file });
    } catch (e) {
      reasons.push(`.BTF on its distilled base: ${(e as Error).message}`);
      return rejected('distilled');
    }
    const r = tryRelocate(split, kernel);
    if (!r.ok) {
      reasons.push(`relocation onto the kernel's BTF fails: ${r.diagnosis.libbpfMessage}`);
      if (opts.builtAgainst) explain(r.diagnosis, 'why: ');
      else for (const p of r.diagnosis.problems) reasons.push(p.summary);
      return rejected('distilled', r.diagnosis);
    }
    reasons.push(`distilled base (${dist.typeCount} types) relocated onto vmlinux (${kernel.nextId - 1} types)`);
    return accepted('distilled', r.btf, r.btf.bytes.length);
  }

  // Plain split BTF on vmlinux: the kernel's module checks.
  const check = checkBtf(btfBytes, { base: kernel, mode: 'module' });
  if (check.valid) {
    let split: Btf;
    try {
      split = Btf.parse(btfBytes, { base: kernel, file });
    } catch (e) {
      // The kernel accepts it; btfkit's reader (libbpf's rules) does not.
      reasons.push('split BTF passes the kernel module checks');
      warnings.push(`libbpf-level sanity check fails: ${e instanceof BtfError ? e.rule : (e as Error).message}`);
      return { module, file, btf: 'split', verdict: 'loads', reasons, warnings };
    }
    reasons.push('split BTF passes the kernel module checks on this vmlinux');
    const odd = midStringNames(split);
    if (odd > 0) warnings.push(`${odd} string offsets point into the middle of vmlinux strings: the module was probably built for another vmlinux, its type names will be wrong`);
    return accepted('split', split, btfBytes.length);
  }
  // Built against another vmlinux: that is the reason, in the builder's words, before the
  // kernel's first symptom; then what a distilled base would have given.
  const mismatch = opts.builtAgainst ? baseMismatch(opts.builtAgainst, kernel) : undefined;
  if (mismatch) reasons.push(mismatch);
  else if (!opts.builtAgainst) {
    const misaligned = misalignedBaseNames(btfBytes, kernel, file);
    if (misaligned > 0) reasons.push(`its split BTF does not line up with this vmlinux (${misaligned} names land inside vmlinux strings): it was most likely built against another vmlinux build; --built-against OLD_VMLINUX explains what changed`);
  }
  reasons.push(`split BTF on this vmlinux: ${firstFinding(check.findings)}`);
  if (mismatch && opts.builtAgainst) distilledOutcome = withDistilledBase(btfBytes, opts.builtAgainst, kernel, file, reasons, explain);

  if (opts.standalone !== false) {
    try {
      const alone = Btf.parse(btfBytes, { file });
      const det = detectStandaloneModule(alone, kernel);
      if (det.standalone) {
        const renumbered = renumberStandalone(alone, kernel);
        reasons.length = 0;
        reasons.push(`standalone module BTF (${det.reason}), renumbered to split BTF on vmlinux (2022 RFC scheme; mainline kernels do not do this and reject it)`);
        return accepted('standalone', renumbered, renumbered.bytes.length);
      }
    } catch {
      // not standalone either
    }
  }
  return rejected('split');
}

/** What the module would give with a distilled base made from the vmlinux it was built against. */
function withDistilledBase(btfBytes: Uint8Array, builtAgainst: Btf, kernel: Btf, file: string, reasons: string[], explain: (d: RelocationDiagnosis, prefix: string) => void): ModuleCheck['distilledOutcome'] {
  let split: Btf;
  try {
    split = Btf.parse(btfBytes, { base: builtAgainst, file });
  } catch (e) {
    reasons.push(`it does not read as split BTF on the given built-against vmlinux either: ${e instanceof BtfError ? e.rule : (e as Error).message}`);
    return undefined;
  }
  const r = tryRelocate(distillBase(split).split, kernel);
  if (r.ok) {
    reasons.push('with a distilled base (btfkit distill MODULE -B BUILT_AGAINST) its BTF would relocate onto this kernel and load');
    return 'loads';
  }
  reasons.push(`with a distilled base it would still fail: ${r.diagnosis.problems.length} of its ${r.diagnosis.distilledTypes} vmlinux types differ here`);
  explain(r.diagnosis, 'why: ');
  return 'rejected';
}

function firstFinding(f: readonly Finding[]): string {
  const x = f[0];
  if (!x) return 'invalid';
  return `${x.typeId !== undefined ? `type [${x.typeId}]${x.kind ? ` ${x.kind}` : ''}${x.name ? ` '${x.name}'` : ''}: ` : ''}${x.rule}${x.detail ? ` (${x.detail})` : ''}${f.length > 1 ? ` (+${f.length - 1} more)` : ''}`;
}

/**
 * midStringNames of split BTF the kernel rejected, read without libbpf's sanity checks (its
 * offsets may point anywhere on this base); 0 when it cannot be read at all.
 */
function misalignedBaseNames(btfBytes: Uint8Array, kernel: Btf, file: string): number {
  try {
    return midStringNames(Btf.parse(btfBytes, { base: kernel, file, sanityCheck: false }));
  } catch {
    return 0;
  }
}

/** Own string offsets that land inside the base's strings but not at the start of one. */
function midStringNames(split: Btf): number {
  const base = split.base!;
  const baseEnd = split.startStrOff;
  let n = 0;
  const words = split.words;
  const see = (w: number): void => {
    const off = words[w]!;
    if (off === 0 || off >= baseEnd) return;
    const loc = base.strLocation(off);
    if (loc && loc.index > 0 && loc.table[loc.index - 1] !== 0) n++;
  };
  for (let i = 0; i < split.offsets.length; i++) {
    const off = split.offsets[i]!;
    const shape = split.shapes[infoKind(words[off + 1]!)]!;
    if (shape.fromLayout) continue;
    forEachStrOffWord(words, off, shape, see, true);
  }
  return n;
}
