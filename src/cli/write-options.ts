/**
 * Options every command that writes BTF shares: --layout / --no-layout (the self-describing
 * kind layout section, layout_off/layout_len of the 32-byte header), --endian, --force.
 * Commands call `addWriteOptions(cmd)` when declaring options and `writeOptions(opts)` to turn the parsed values into the
 * `{layout, endian}` that writeBtf / BtfBuilder.toBytes take and the `force` that
 * writeFileAtomic takes.
 */

import { type Command, InvalidArgumentError, Option } from 'commander';
import { errorLine } from '../node/error-line.js';
import type { Btf } from '../wire/btf.js';
import type { Endian } from '../wire/header.js';
import { writeBtf } from '../wire/write.js';
import { UsageError } from './common.js';

export interface WriteCliOptions {
  layout?: boolean;
  endian?: string;
  force?: boolean;
}

export interface ParsedWriteOptions {
  /** true: write a layout section; false: drop it; undefined: keep what the input had. */
  readonly layout: boolean | undefined;
  /** Output byte order; undefined keeps the input's. */
  readonly endian: Endian | undefined;
  readonly force: boolean;
}

/** --layout / --no-layout / --endian, for commands that declare their own --force. */
export function addLayoutOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--layout', 'write the layout section (32-byte header; libbpf\'s table for kinds 0..19, Linux 7.1+)'))
    .addOption(new Option('--no-layout', 'drop the layout section (default: keep what the input had)'))
    .addOption(new Option('--endian <order>', 'byte order of the output: little, big or native (default: the input\'s)'));
}

export function addWriteOptions(cmd: Command): Command {
  return addLayoutOptions(cmd).option('-f, --force', 'overwrite an existing output file');
}

/**
 * The bytes to write for `btf`: as the operation produced them (`bytes`, else a plain
 * re-serialization) unless --layout/--no-layout/--endian ask for something else.
 */
export function outputBytes(btf: Btf, opts: Pick<WriteCliOptions, 'layout' | 'endian'>, bytes?: Uint8Array): Uint8Array {
  const w = writeOptions(opts);
  if (w.layout === undefined && w.endian === undefined) return bytes ?? writeBtf(btf);
  return writeBtf(btf, { layout: w.layout, endian: w.endian });
}

/** True when any of --layout/--no-layout/--endian was given. */
export function hasLayoutOptions(opts: Pick<WriteCliOptions, 'layout' | 'endian'>): boolean {
  return opts.layout !== undefined || opts.endian !== undefined;
}

function parseEndian(value: string): Endian {
  const v = value.toLowerCase();
  if (v === 'little' || v === 'le' || v === 'el') return 'little';
  if (v === 'big' || v === 'be' || v === 'eb') return 'big';
  if (v === 'native' || v === 'host') return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';
  throw new InvalidArgumentError(`--endian must be little, big or native, got '${value}'`);
}

export function writeOptions(opts: WriteCliOptions): ParsedWriteOptions {
  let endian: Endian | undefined;
  try {
    endian = opts.endian === undefined ? undefined : parseEndian(opts.endian);
  } catch (e) {
    // Thrown inside an action, commander's InvalidArgumentError would not be printed.
    throw new UsageError(errorLine(e));
  }
  return { layout: opts.layout, endian, force: opts.force === true };
}

/** The output of a command with --in-place: FILE itself, or -o (exactly one of them). */
export function inPlaceOutput(cmd: string, file: string, opts: { output?: string | undefined; inPlace?: boolean | undefined }): string {
  if (opts.inPlace) {
    if (opts.output !== undefined) throw new UsageError(`${cmd}: give -o/--output or --in-place, not both`);
    if (file === '-') throw new UsageError(`${cmd}: --in-place cannot replace stdin`);
    return file;
  }
  if (!opts.output) throw new UsageError(`${cmd}: -o/--output (or --in-place) is required`);
  return opts.output;
}
