/**
 * What every command shares: error reporting (one line, exit 1; usage errors exit 2),
 * output that survives a closed pipe (`btfkit dump | head`), and option parsing helpers.
 */

import { InvalidArgumentError } from 'commander';
import picocolors from 'picocolors';

/**
 * Colours only for a person at a terminal: picocolors alone also turns them on when CI is
 * set, which puts escape codes into piped output and logs. NO_COLOR / FORCE_COLOR win.
 */
function wantColour(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}
/** Colours for stdout. */
export const pc = picocolors.createColors(wantColour(process.stdout));
/** Colours for stderr. */
export const pcErr = picocolors.createColors(wantColour(process.stderr));
import { errorLine } from '../node/error-line.js';
import { BtfError } from '../wire/errors.js';

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
  if (!stdoutClosed) process.stdout.write(chunk);
}

/**
 * Write bytes to stdout, as a ByteSink: true when the stream kept `chunk` to write later (a
 * full pipe), so the caller must not reuse it. Files and pipes with room are written at
 * once, so a dump reuses one chunk instead of leaving a copy of its output to the GC.
 */
export function outBytes(chunk: Uint8Array): boolean {
  if (stdoutClosed) return false;
  process.stdout.write(chunk);
  return process.stdout.writableLength > 0;
}

export function warn(message: string): void {
  process.stderr.write(`${pcErr.yellow('btfkit: warning:')} ${message}\n`);
}

/** Print an error as one line and give the exit code for it. */
export function reportError(e: unknown): number {
  if (e instanceof UsageError || e instanceof InvalidArgumentError) {
    process.stderr.write(`btfkit: ${e.message}\n`);
    return 2;
  }
  if (e instanceof BtfError) {
    process.stderr.write(`btfkit: ${errorLine(e)}\n`);
    return 1;
  }
  const err = e as Error;
  process.stderr.write(`btfkit: internal error: ${err?.message ?? String(e)}${process.env.BTFKIT_DEBUG ? `\n${err?.stack ?? ''}` : ''}\n`);
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
