/**
 * Module ELF files (.ko) and their BTF sections: distill a module in place of its `.BTF`
 * (adding `.BTF.base`), leaving every other section's bytes as they were.
 */

import { type ElfFile, type ElfSectionAddition, parseElf, rewriteElf, SHT_PROGBITS } from '../elf/index.js';
import { Btf } from '../wire/btf.js';
import { fail } from '../wire/errors.js';
import { writeBtf } from '../wire/write.js';
import { distillBase, type DistillResult } from './distill.js';

/** The result of `distillModuleElf`: the rewritten module and the distilled BTF. */
export interface DistilledModuleElf {
  /** The new ELF image. */
  readonly bytes: Uint8Array;
  readonly result: DistillResult;
}

/** Distill the split BTF of an ELF module against `base`: `.BTF` replaced, `.BTF.base` added. */
export function distillModuleElf(elfBytes: Uint8Array, base: Btf, opts: { file?: string | undefined } = {}): DistilledModuleElf {
  const elf = parseElf(elfBytes);
  const btfSec = elf.section('.BTF');
  if (!btfSec) fail('no-btf', 'ELF file has no .BTF section', { section: '.BTF', ...(opts.file !== undefined ? { file: opts.file } : {}) });
  if (elf.section('.BTF.base')) fail('invalid-argument', 'module already has a distilled base (.BTF.base)', { section: '.BTF.base', ...(opts.file !== undefined ? { file: opts.file } : {}) });
  const split = Btf.parse(elf.sectionData(btfSec), { base, ...(opts.file !== undefined ? { file: opts.file } : {}) });
  const result = distillBase(split);
  return { bytes: withBtfSections(elf, result.split, result.base), result };
}

/**
 * The ELF image with `.BTF` set to `btf` and, when given, `.BTF.base` to `distilledBase`:
 * replaced where the file has the section, added (non-allocated) where it does not. Every other
 * section keeps its bytes.
 */
export function withBtfSections(elf: ElfFile, btf: Btf, distilledBase?: Btf): Uint8Array {
  const replace: Record<string, Uint8Array> = {};
  const add: ElfSectionAddition[] = [];
  const put = (name: string, data: Uint8Array): void => {
    if (elf.section(name)) replace[name] = data;
    else add.push({ name, data, type: SHT_PROGBITS, align: Math.max(1, elf.section('.BTF')?.addralign ?? 1) });
  };
  put('.BTF', writeBtf(btf));
  if (distilledBase) put('.BTF.base', writeBtf(distilledBase));
  return rewriteElf(elf, { replace, add });
}
