/**
 * `btfkit encode`: BTF from DWARF, as `pahole -J` does. vmlinux → raw base BTF; a module with
 * `-B` → split BTF written into its `.BTF` section (and `.BTF.base` with --distilled-base), or
 * raw with --detached.
 */

import type { Command } from 'commander';
import { type ElfFile, ET_REL, parseElf } from '../../elf/index.js';
import { readElfForDebugInfo } from '../../node/elf-read.js';
import { WorkerDraftSource } from '../../node/encode-workers.js';
import { loadBase, writeFileAtomic } from '../../node/files.js';
import { collectGarbage } from '../../node/memory.js';
import { distillBase } from '../../ops/distill.js';
import { dedupEncoded, encodeUndeduplicated } from '../../ops/encode/encode.js';
import { parseFeatures, unappliedFeatures, wantsLegacyDedup } from '../../ops/encode/features.js';
import { walkCoreInput } from '../../ops/encode/walk-core.js';
import { withBtfSections } from '../../ops/module-elf.js';
import { toStandalone } from '../../ops/standalone.js';
import type { Btf } from '../../wire/btf.js';
import { BtfError } from '../../wire/errors.js';
import { writeBtf } from '../../wire/write.js';
import { out, parseIntArg, progressStream, UsageError, warn } from '../common.js';

interface EncodeCliOptions {
  base?: string;
  features?: string;
  distilledBase?: boolean;
  standalone?: boolean;
  output?: string;
  detached?: boolean;
  jobs?: number;
  force?: boolean;
}

export function registerEncode(program: Command): void {
  program
    .command('encode')
    .description('encode BTF from DWARF as pahole -J does: vmlinux → base BTF; a module with -B → split BTF in its .BTF section (raw with --detached)')
    .argument('<file>', 'ELF file with DWARF (vmlinux, .ko, object)')
    .option('-B, --base <vmlinux>', 'base BTF for a module (vmlinux, raw BTF)')
    .option('--features <list>', "pahole's --btf_features names, comma-separated, or a preset: default, pahole-1.24 (Debian 6.1's pahole -J --btf_gen_floats, its libbpf's dedup included)")
    .option('--distilled-base', 'also distill the base the module needs (.BTF.base; OUT.base with --detached), as out-of-tree builds do')
    .option('--standalone', 'self-contained BTF: the base types the module needs, then its own')
    .option('-o, --output <file>', 'output file (required: inputs are never modified)')
    .option('--detached', 'write raw BTF instead of an ELF with a .BTF section (always the case for vmlinux)')
    .option('-j, --jobs <n>', 'worker threads walking the units of a vmlinux (default 1; the output is the same for any N)', (v) => parseIntArg(v, '--jobs'))
    .option('--force', 'overwrite an existing output')
    .action(async (file: string, opts: EncodeCliOptions) => {
      if (!opts.output) throw new UsageError('encode: -o/--output is required');
      if (opts.distilledBase && !opts.base) throw new UsageError('encode: --distilled-base needs -B/--base');
      if (opts.standalone && !opts.base) throw new UsageError('encode: --standalone needs -B/--base');
      if (opts.standalone && opts.distilledBase) throw new UsageError('encode: --standalone and --distilled-base exclude each other');
      const jobs = opts.jobs ?? 1;
      if (jobs < 1 || jobs > 64) throw new UsageError('encode: --jobs must be between 1 and 64');
      const features = parseFeatures(opts.features);
      const base = opts.base ? await loadBase(opts.base) : undefined;
      // A module (relocatable) comes back whole and unshared whatever `shared` asks: it is
      // rewritten whole, and walked on this thread. It is read into a walk core's memory,
      // relocated and walked there (walkCoreInput).
      let bytes: Uint8Array | undefined = await readElfForDebugInfo(file, { shared: jobs > 1, allocate: walkCoreInput });
      let elf: ElfFile | undefined = parseElfOf(bytes, file);
      const relocatable = elf.type === ET_REL;
      // Said once the input is known to be an ELF file, so a bad input gets its one line alone.
      for (const f of unappliedFeatures(features)) warn(`${f.name}: not applied: ${f.instead}`);
      const drafts = jobs > 1 && !relocatable && bytes.buffer instanceof SharedArrayBuffer ? new WorkerDraftSource(bytes, jobs, file, opts.features) : undefined;
      const stream = progressStream();
      // (cli-progress loaded only for a bar: ~6 ms of a module's encode unbundled)
      const cliProgress = stream && !base ? (await import('cli-progress')).default : undefined;
      const bar = cliProgress ? new cliProgress.SingleBar({ stream, format: 'encode [{bar}] {value}/{total} units', hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
      let started = false;
      let result: Awaited<ReturnType<typeof encodeUndeduplicated>>;
      try {
        result = await encodeUndeduplicated(bytes, {
          base,
          features,
          file,
          drafts,
          offerBaseStringIndex: opts.distilledBase === true,
          onProgress: bar
            ? (done, total) => {
                if (!started) {
                  bar.start(total, 0);
                  started = true;
                }
                if (done % 16 === 0 || done === total) bar.update(done);
              }
            : undefined,
        });
      } finally {
        if (started) bar?.stop();
        await drafts?.close();
      }
      if (!relocatable) {
        // Only a module is rewritten: a vmlinux's DWARF can go before the dedup.
        bytes = undefined;
        elf = undefined;
        collectGarbage();
      }
      let btf: Btf = dedupEncoded(result.builder, { file, legacyDedup: wantsLegacyDedup(opts.features) });
      let distilled: Btf | undefined;
      if (opts.distilledBase) {
        const d = distillBase(btf);
        btf = d.split;
        distilled = d.base;
      } else if (opts.standalone) btf = toStandalone(btf).btf;
      const inputs = [file, ...(opts.base ? [opts.base] : [])];
      const output = opts.output;
      if (opts.detached || !elf || !bytes) {
        if (distilled) await writeFileAtomic(`${output}.base`, writeBtf(distilled), { force: opts.force, inputs });
        await writeFileAtomic(output, writeBtf(btf), { force: opts.force, inputs });
      } else {
        if (bytes.length !== elf.bytes.length) throw new BtfError('invalid-argument', 'internal: partial read of a relocatable file', { file });
        await writeFileAtomic(output, withBtfSections(elf, btf, distilled), { force: opts.force, inputs });
      }
      const s = result.stats;
      out(`${output}: ${btf.typeCount} types (${s.functions} functions, ${s.variables} variables) from ${s.units} units${distilled ? `; distilled base of ${distilled.typeCount} types` : ''}\n`);
    });
}

/** parseElf, with the input's name on its errors. */
function parseElfOf(bytes: Uint8Array, file: string): ElfFile {
  try {
    return parseElf(bytes);
  } catch (e) {
    throw e instanceof BtfError ? e.withFile(file) : e;
  }
}
