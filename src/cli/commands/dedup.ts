/**
 * `btfkit dedup FILE [-B BASE] -o OUT` and `btfkit merge FILE... [-B BASE] -o OUT`: libbpf's
 * BTF deduplication, and concatenation of many (split or standalone) BTFs followed by it.
 * Output is raw BTF; a remapped `.BTF.ext` can be written beside it.
 */

import type { Command } from 'commander';
import { errorLine } from '../../node/error-line.js';
import { loadBase, loadBtf, validateOutputs, writeOutputs } from '../../node/files.js';
import { dedup, type DedupPhase } from '../../ops/dedup.js';
import { concatBtf } from '../../ops/merge.js';
import type { Btf } from '../../wire/btf.js';
import { serializeBtfExt } from '../../wire/ext.js';
import { BtfError, SPLIT_HINT } from '../../wire/errors.js';
import { err, progressStream, UsageError, warn } from '../common.js';
import { addLayoutOptions, inPlaceOutput, outputBytes, type WriteCliOptions } from '../write-options.js';

interface DedupCliOptions extends Pick<WriteCliOptions, 'layout' | 'endian'> {
  base?: string;
  output?: string;
  force?: boolean;
  inPlace?: boolean;
  extOut?: string;
  quiet?: boolean;
}

/** Inputs from this many files on get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_INPUTS = 64;

const PHASES: readonly DedupPhase[] = ['strings', 'primitives', 'structs', 'fwds', 'refs', 'compact'];

function summary(before: Btf, after: Btf): string {
  return `${before.typeCount} -> ${after.typeCount} types (ids ${after.startId}..${after.nextId - 1}), strings ${before.strings.length} -> ${after.strings.length} bytes\n`;
}

export function registerDedup(program: Command): void {
  addLayoutOptions(program.command('dedup'))
    .description("deduplicate BTF types and strings (libbpf's algorithm; split BTF folds into its base)")
    .argument('<file>', 'raw BTF, vmlinux, .ko or BPF object')
    .option('-B, --base <file>', 'base BTF for split BTF (never modified)')
    .option('-o, --output <file>', 'write the deduplicated raw BTF here')
    .option('--ext-out <file>', 'also write the remapped .BTF.ext of an object here')
    .option('-f, --force', 'overwrite existing output files')
    .option('--in-place', 'replace FILE (raw BTF) with its deduplicated BTF')
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (file: string, opts: DedupCliOptions) => {
      const output = inPlaceOutput('dedup', file, opts);
      const inputs = [file, ...(opts.base ? [opts.base] : [])];
      const writeOpts = { force: opts.force, inputs, inPlace: opts.inPlace ? file : undefined, inPlaceOption: true };
      validateOutputs([output, ...(opts.extOut ? [opts.extOut] : [])], writeOpts);
      const opened = await loadBtf(file, { base: opts.base });
      if (opts.inPlace && opened.container !== 'raw') throw new UsageError(`dedup: --in-place needs raw BTF; ${file} is an ELF file (write the result with -o)`);
      if (opts.extOut && !opened.ext) throw new UsageError(`dedup: --ext-out: ${file} has no .BTF.ext`);
      if (opened.ext && !opts.extOut && !opts.quiet) warn(`${file} has a .BTF.ext; its type ids change with dedup (write it with --ext-out)`);
      const r = dedup(opened.btf, { ext: opened.ext, file });
      const outputs = [{ path: output, data: outputBytes(r.btf, opts) }];
      if (opts.extOut && r.ext) outputs.push({ path: opts.extOut, data: serializeBtfExt(r.ext, r.ext.endian) });
      await writeOutputs(outputs, writeOpts);
      if (!opts.quiet) err(`dedup: ${summary(opened.btf, r.btf)}`);
    });

  addLayoutOptions(program.command('merge'))
    .description('concatenate many split BTFs (same base) or standalone BTFs into one, then deduplicate')
    .argument('<files...>', 'raw BTF, .ko or BPF objects')
    .option('-B, --base <file>', 'base BTF every input is split on')
    .option('-o, --output <file>', 'write the merged raw BTF here')
    .option('-f, --force', 'overwrite an existing output file')
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (files: string[], opts: DedupCliOptions) => {
      if (!opts.output) throw new UsageError('merge: -o/--output is required');
      const writeOpts = { force: opts.force, inputs: [...files, ...(opts.base ? [opts.base] : [])] };
      validateOutputs([opts.output], writeOpts);
      const stream = files.length >= PROGRESS_MIN_INPUTS && !opts.quiet ? progressStream() : undefined;
      // Loaded only when shown: keeps `btfkit` start-up light.
      const cliProgress = stream ? (await import('cli-progress')).default : undefined;
      const bar = cliProgress ? new cliProgress.SingleBar({ format: 'merge {phase} [{bar}] {percentage}% {value}/{total}', stream, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
      const base = opts.base ? await loadBase(opts.base) : undefined;
      const btfs: Btf[] = [];
      bar?.start(files.length, 0, { phase: 'read' });
      try {
        // Every input is read, and every one that cannot be is reported, before giving up:
        // a merge without one of its inputs is not written.
        const errors: string[] = [];
        for (const f of files) {
          try {
            const o = await loadBtf(f, { base: base ?? undefined });
            if (o.btf.base !== base) throw new BtfError('invalid-argument', `is split BTF; ${SPLIT_HINT}`, { file: f });
            btfs.push(o.btf);
          } catch (e) {
            if (!(e instanceof BtfError)) throw e;
            errors.push(errorLine(e, f));
          }
          bar?.increment();
        }
        if (errors.length > 0) {
          bar?.stop();
          for (const e of errors.slice(0, -1)) err(`btfkit: ${e}\n`);
          throw new BtfError('invalid-argument', `${errors.length === 1 ? '' : `${errors.length} of ${files.length} inputs cannot be merged, nothing written; the last: `}${errors[errors.length - 1]!}`);
        }
        const all = concatBtf(btfs, base);
        bar?.setTotal(PHASES.length * 100);
        const r = dedup(all, {
          onProgress: (phase, done, total) => bar?.update(PHASES.indexOf(phase) * 100 + Math.floor((done / Math.max(total, 1)) * 100), { phase }),
        });
        bar?.update(PHASES.length * 100, { phase: 'done' });
        bar?.stop();
        await writeOutputs([{ path: opts.output, data: outputBytes(r.btf, opts) }], writeOpts);
        if (!opts.quiet) err(`merge: ${files.length} inputs, ${summary(all, r.btf)}`);
      } finally {
        bar?.stop();
      }
    });
}
