/**
 * Module ELF files (.ko) and their BTF sections: distill a module in place of its `.BTF`
 * (adding `.BTF.base`), leaving every other section's bytes as they were.
 */

import { parseElf, rewriteElf, SHT_PROGBITS } from '../elf/index.js';
import { Btf } from '../wire/btf.js';
import { fail } from '../wire/errors.js';
import { writeBtf } from '../wire/write.js';
import { distillBase, type DistillResult } from './distill.js';

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
  const bytes = rewriteElf(elf, {
    replace: { '.BTF': writeBtf(result.split) },
    add: [{ name: '.BTF.base', data: writeBtf(result.base), type: SHT_PROGBITS, align: Math.max(1, btfSec.addralign) }],
  });
  return { bytes, result };
}
