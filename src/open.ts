/**
 * Opening BTF from whatever container it comes in: raw BTF, or an ELF file (vmlinux, a
 * kernel module, a BPF object) with `.BTF`, `.BTF.ext` and `.BTF.base`.
 */

import { isElf, parseElf, type ElfFile } from './elf/index.js';
import { relocate } from './ops/relocate.js';
import { Btf, type RecordIndexer } from './wire/btf.js';
import { BtfError, fail } from './wire/errors.js';
import { type BtfExt, parseBtfExt } from './wire/ext.js';

/** Options of `openBtf`. */
export interface OpenOptions {
  /** Base for split BTF (a module's `.BTF` on vmlinux). */
  readonly base?: Btf | undefined;
  /** File name for error messages. */
  readonly file?: string | undefined;
  readonly sanityCheck?: boolean | undefined;
  /** The record index of the BTF read (not of a distilled base): Btf.parse's indexRecords. */
  readonly indexRecords?: RecordIndexer | undefined;
  /**
   * What to do when an ELF module carries a distilled base (`.BTF.base`) and a base was
   * given too: 'relocate' (default, as libbpf's btf__parse_elf_split) moves the module onto
   * the given base; 'distilled' ignores the given base and reads it on its distilled base.
   */
  readonly distilled?: 'distilled' | 'relocate' | undefined;
  /** Replaces the relocation (e.g. to report a diagnosis before failing). */
  readonly relocate?: ((split: Btf, newBase: Btf) => Btf) | undefined;
}

/** What `openBtf` found: the BTF, its container and, from an ELF file, `.BTF.ext` and `.BTF.base`. */
export interface OpenedBtf {
  readonly btf: Btf;
  readonly container: 'raw' | 'elf';
  readonly ext?: BtfExt | undefined;
  /** The module's `.BTF.base`, when it has one. */
  readonly distilledBase?: Btf | undefined;
  readonly elf?: ElfFile | undefined;
}

/** Read BTF from raw bytes or from an ELF file (vmlinux, module, BPF object), relocating a module with a distilled base onto `base`. */
export function openBtf(bytes: Uint8Array, opts: OpenOptions = {}): OpenedBtf {
  try {
    return openInner(bytes, opts);
  } catch (e) {
    if (e instanceof BtfError && opts.file !== undefined) e.withFile(opts.file);
    throw e;
  }
}

function openInner(bytes: Uint8Array, opts: OpenOptions): OpenedBtf {
  const common = { file: opts.file, sanityCheck: opts.sanityCheck };
  if (!isElf(bytes)) {
    return { btf: Btf.parse(bytes, { ...common, base: opts.base, indexRecords: opts.indexRecords }), container: 'raw' };
  }
  const elf = parseElf(bytes);
  const btfSec = elf.section('.BTF');
  if (!btfSec) fail('no-btf', 'ELF file has no .BTF section', { section: '.BTF' });
  const btfBytes = elf.sectionData(btfSec);
  const baseSec = elf.section('.BTF.base');
  const extSec = elf.section('.BTF.ext');
  const ext = extSec ? parseBtfExt(elf.sectionData(extSec)) : undefined;
  if (!baseSec) {
    return { btf: Btf.parse(btfBytes, { ...common, base: opts.base, indexRecords: opts.indexRecords }), container: 'elf', ext, elf };
  }
  const distilledBase = Btf.parse(elf.sectionData(baseSec), { ...common, section: '.BTF.base' });
  const onDistilled = Btf.parse(btfBytes, { ...common, base: distilledBase });
  if (!opts.base || opts.distilled === 'distilled') {
    return { btf: onDistilled, container: 'elf', ext, distilledBase, elf };
  }
  const relocateOnto = opts.relocate ?? ((split: Btf, base: Btf) => relocate(split, base));
  return { btf: relocateOnto(onDistilled, opts.base), container: 'elf', ext, distilledBase, elf };
}
