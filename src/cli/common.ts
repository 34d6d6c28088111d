/**
 * What every command shares: where a run writes (the process's streams, or the sinks given
 * to `run`), error reporting (one line, exit 1; usage errors exit 2), output that survives a
 * closed pipe (`btfkit dump | head`), and option parsing helpers.
 */

import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
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

/**
 * One of the process's standard streams, written with write(2) on its descriptor while the
 * descriptor takes whole chunks: process.stdout / process.stderr cost loading Node's stream
 * modules (3-4 ms of a short command) and a copy of every chunk they keep. The first time a
 * write would block (EAGAIN: a non-blocking pipe or socket that is full) the stream takes
 * that chunk's rest and every chunk after it, in order, with its own waiting. EPIPE (the
 * reader went away) is thrown as it is.
 */
class StdioOutput implements CliOutput {
  private stream: NodeJS.WriteStream | undefined;
  private tty: boolean | undefined;

  constructor(
    private readonly fd: 1 | 2,
    private readonly openStream: () => NodeJS.WriteStream,
  ) {}

  write(chunk: string | Uint8Array): void {
    if (this.stream !== undefined) {
      this.stream.write(chunk);
      return;
    }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(this.fd, bytes, done);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      // The stream may keep the rest past this call: a copy, as the caller reuses `chunk`.
      this.stream = this.openStream();
      this.stream.write(bytes.slice(done));
    }
  }

  get writableLength(): number {
    return this.stream?.writableLength ?? 0;
  }

  /**
   * Only a character device can be a terminal, and on Linux never one of major 1 (/dev/null,
   * /dev/zero): files, pipes and /dev/null are told without loading node:tty and with it
   * node:net (3-4 ms).
   */
  get isTTY(): boolean {
    if (this.tty === undefined) {
      const stat = fstatSync(this.fd);
      const memoryDevice = process.platform === 'linux' && stat.rdev >> 8 === 1;
      this.tty = stat.isCharacterDevice() && !memoryDevice && isatty(this.fd);
    }
    return this.tty;
  }
}

const PROCESS_IO: CliIo = { stdout: new StdioOutput(1, () => watchStdout(process.stdout)), stderr: new StdioOutput(2, () => process.stderr) };
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

/** A reader of stdout that went away (EPIPE, `btfkit dump | head`) ends the program quietly. */
function closedStdout(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
  stdoutClosed = true;
  process.exit(0);
}

/** process.stdout, once the CLI writes through it, reports EPIPE as an event. */
function watchStdout(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  stream.on('error', closedStdout);
  return stream;
}

function writeStdout(chunk: string | Uint8Array): void {
  if (io !== PROCESS_IO) {
    io.stdout.write(chunk);
    return;
  }
  try {
    io.stdout.write(chunk);
  } catch (e) {
    closedStdout(e);
  }
}

/** Write to stdout; a reader that went away (EPIPE) ends the program quietly. */
export function out(chunk: string): void {
  if (!stdoutClosed) writeStdout(chunk);
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
  writeStdout(chunk);
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
