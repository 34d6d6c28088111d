/**
 * Options every command that writes BTF shares: --layout / --no-layout (the self-describing
 * layout section, spec §4), --endian, --force. Commands call `addWriteOptions(cmd)` when
 * declaring options and `writeOptions(opts)` to turn the parsed values into the
 * `{layout, endian}` that writeBtf / BtfBuilder.toBytes take and the `force` that
 * writeFileAtomic takes.
 */

import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Endian } from '../wire/header.js';

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

export function addWriteOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--layout', 'write the layout section (32-byte header; libbpf\'s table for kinds 0..19, Linux 7.1+)'))
    .addOption(new Option('--no-layout', 'drop the layout section (default: keep what the input had)'))
    .addOption(new Option('--endian <order>', 'byte order of the output: little, big or native (default: the input\'s)'))
    .option('-f, --force', 'overwrite an existing output file');
}

export function parseEndian(value: string): Endian {
  const v = value.toLowerCase();
  if (v === 'little' || v === 'le' || v === 'el') return 'little';
  if (v === 'big' || v === 'be' || v === 'eb') return 'big';
  if (v === 'native' || v === 'host') return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';
  throw new InvalidArgumentError(`--endian must be little, big or native, got '${value}'`);
}

export function writeOptions(opts: WriteCliOptions): ParsedWriteOptions {
  return {
    layout: opts.layout,
    endian: opts.endian === undefined ? undefined : parseEndian(opts.endian),
    force: opts.force === true,
  };
}
