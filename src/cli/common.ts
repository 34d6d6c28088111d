/**
 * What every command shares: where a run writes (the process's streams, or the sinks given
 * to `run`), error reporting (one line, exit 1; usage errors exit 2), output that survives a
 * closed pipe (`btfkit dump | head`), and option parsing helpers.
 */

import { InvalidArgumentError } from 'commander';
import picocolors from 'picocolors';
import { errorLine } from '../node/error-line.js';
import { BtfError } from '../wire/errors.js';

/** Where a run of the CLI writes (process.stdout and process.stderr fit). */
export interface CliOutput {
  /** Take a chunk; a Uint8Array may be reused by the caller once it returns, unless `writableLength` > 0. */
  write(chunk: string | Uint8Array): unknown;
  /** Bytes taken but not handed on yet (a full pipe): the last chunk is still held. Default 0. */
  readonly writableLength?: number;
  /** A person's terminal: colours and progress bars. Default false. */
  readonly isTTY?: boolean;
}

/** The sinks of one run of the CLI: see `run` in main.ts. */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
}

const PROCESS_IO: CliIo = { stdout: process.stdout, stderr: process.stderr };
let io: CliIo = PROCESS_IO;
let exitStatus = 0;

/**
 * Colours only for a person at a terminal: picocolors alone also turns them on when CI is
 * set, which puts escape codes into piped output and logs. NO_COLOR / FORCE_COLOR win.
 */
function wantColour(stream: CliOutput): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}
/** Colours for stdout (of the current run). */
export let pc = picocolors.createColors(wantColour(io.stdout));
/** Colours for stderr (of the current run). */
let pcErr = picocolors.createColors(wantColour(io.stderr));

function useIo(sinks: CliIo): void {
  io = sinks;
  pc = picocolors.createColors(wantColour(sinks.stdout));
  pcErr = picocolors.createColors(wantColour(sinks.stderr));
}

/** Runs of the CLI in one process take turns: output and exit status are per run. */
let turn: Promise<unknown> = Promise.resolve();

/**
 * Run `fn` with `sinks` (default: the process's streams) as the CLI's output; the result is
 * `fn`'s exit code, or the status a command set with `setExitCode` when that is not 0.
 */
export function withIo(sinks: CliIo | undefined, fn: () => Promise<number>): Promise<number> {
  const mine = turn.then(async () => {
    useIo(sinks ?? PROCESS_IO);
    exitStatus = 0;
    try {
      const code = await fn();
      return code !== 0 ? code : exitStatus;
    } finally {
      useIo(PROCESS_IO);
    }
  });
  turn = mine.catch(() => undefined);
  return mine;
}

/** The exit status of the current run when it ends normally (`check`: 1 = invalid BTF). */
export function setExitCode(code: number): void {
  exitStatus = code;
}

/** Thrown for command-line mistakes: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

let stdoutClosed = false;
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') {
    stdoutClosed = true;
    process.exit(0);
  }
  throw e;
});

/** Write to stdout; a reader that went away (EPIPE) ends the program quietly. */
export function out(chunk: string): void {
  if (!stdoutClosed) io.stdout.write(chunk);
}

/** Write to stderr. */
export function err(chunk: string): void {
  io.stderr.write(chunk);
}

/**
 * Write bytes to stdout, as a ByteSink: true when the stream kept `chunk` to write later (a
 * full pipe), so the caller must not reuse it. Files and pipes with room are written at
 * once, so a dump reuses one chunk instead of leaving a copy of its output to the GC.
 */
export function outBytes(chunk: Uint8Array): boolean {
  if (stdoutClosed) return false;
  io.stdout.write(chunk);
  return (io.stdout.writableLength ?? 0) > 0;
}

/** The stream for a progress bar: the process's stderr when it is a terminal, else none. */
export function progressStream(): NodeJS.WriteStream | undefined {
  return io === PROCESS_IO && process.stderr.isTTY === true ? process.stderr : undefined;
}

export function warn(message: string): void {
  err(`${pcErr.yellow('btfkit: warning:')} ${message}\n`);
}

/** Print an error as one line and give the exit code for it. */
export function reportError(e: unknown): number {
  if (e instanceof UsageError || e instanceof InvalidArgumentError) {
    err(`btfkit: ${e.message}\n`);
    return 2;
  }
  if (e instanceof BtfError) {
    err(`btfkit: ${errorLine(e)}\n`);
    return 1;
  }
  const error = e as Error;
  err(`btfkit: internal error: ${error?.message ?? String(e)}${process.env.BTFKIT_DEBUG ? `\n${error?.stack ?? ''}` : ''}\n`);
  return 1;
}

/** Run `fn`; a BtfError it throws without a file name gets `file` (parsers work on bytes). */
export async function naming<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BtfError) e.withFile(file);
    throw e;
  }
}

export function parseIntArg(value: string, name = 'number'): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(value)) throw new InvalidArgumentError(`${name} must be a non-negative integer, got '${value}'`);
  return Number(value);
}

export function collect<T>(parse: (v: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}
