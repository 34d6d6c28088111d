/**
 * How an error reads as one line for a person (the CLI's stderr, and the error text batch
 * workers send back to it): where — file, section, byte offset, type id — then the rule.
 * The error's code is left out here: it is for programs (BtfError.code, --json output).
 */

import { BtfError } from '../wire/errors.js';

/** One line for `e`; `file` names the input when the error does not name one itself. */
export function errorLine(e: unknown, file?: string): string {
  if (e instanceof BtfError) {
    const parts: string[] = [];
    const f = e.file ?? file;
    if (f !== undefined) parts.push(f);
    if (e.section !== undefined) parts.push(e.section);
    if (e.offset !== undefined) parts.push(`offset ${e.offset} (0x${e.offset.toString(16)})`);
    if (e.typeId !== undefined) parts.push(`type [${e.typeId}]`);
    parts.push(e.rule);
    return parts.join(': ');
  }
  const message = e instanceof Error ? e.message : String(e);
  return file !== undefined ? `${file}: ${message}` : message;
}
