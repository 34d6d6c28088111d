/**
 * Typed errors. Every problem with input bytes says where (file, byte offset and/or type id)
 * and which rule was broken, so the CLI can print one useful line and exit 1.
 *
 * One family: everything btfkit throws on purpose is a `BtfError`, so a caller catches one
 * type and switches on `code`. Subclasses only add data for their code: `CoreError`
 * ('core-relocation': `errno`) and `RelocationError` ('relocation-failed': `diagnosis`), both
 * in btfkit/ops.
 */

/** What kind of problem a `BtfError` is. */
export type BtfErrorCode =
  | 'truncated' // fewer bytes than a structure needs
  | 'bad-magic'
  | 'bad-version'
  | 'bad-flags'
  | 'bad-header'
  | 'bad-section' // section offsets/lengths out of range, overlapping, misaligned
  | 'bad-string' // string offset out of range, unterminated string table
  | 'bad-type' // a type record is malformed
  | 'unknown-kind' // kind not known and not described by a layout section
  | 'bad-type-id' // reference to a type id that does not exist
  | 'bad-layout'
  | 'bad-elf'
  | 'bad-ext' // .BTF.ext problems
  | 'bad-dwarf' // DWARF debug information that breaks its format
  | 'no-btf' // an ELF file without the section asked for
  | 'unsupported'
  | 'invalid-argument'
  | 'core-relocation' // a CO-RE relocation cannot be computed (CoreError; `errno` is libbpf's)
  | 'relocation-failed' // split BTF does not fit the new base (RelocationError; `diagnosis` says why)
  | 'io';

/** Where a problem is: file, section, byte offset, type id. */
export interface BtfErrorLocation {
  /** File the bytes came from, when known. */
  file?: string;
  /** Byte offset into the file/blob where the problem is. */
  offset?: number;
  /** Type id the problem is about. */
  typeId?: number;
  /** Section (".BTF", ".BTF.ext", ...). */
  section?: string;
}

/** The error btfkit throws: `code` what kind of problem, `rule` what was broken, and where. */
export class BtfError extends Error {
  /** 'BtfError', or the subclass's name. */
  override readonly name: string = 'BtfError';
  readonly code: BtfErrorCode;
  /** The rule that was broken, in words. */
  readonly rule: string;
  file: string | undefined;
  readonly offset: number | undefined;
  readonly typeId: number | undefined;
  readonly section: string | undefined;

  constructor(code: BtfErrorCode, rule: string, where: BtfErrorLocation = {}) {
    super(rule);
    this.code = code;
    this.rule = rule;
    this.file = where.file;
    this.offset = where.offset;
    this.typeId = where.typeId;
    this.section = where.section;
    this.message = this.describe();
  }

  /** Attach the file name once the caller knows it (parsers work on bytes). */
  withFile(file: string): this {
    if (this.file === undefined) {
      this.file = file;
      this.message = this.describe();
    }
    return this;
  }

  /** One line: "file: section: offset 0x18: type [42]: rule (code)". */
  describe(): string {
    const parts: string[] = [];
    if (this.file !== undefined) parts.push(this.file);
    if (this.section !== undefined) parts.push(this.section);
    if (this.offset !== undefined) parts.push(`offset ${this.offset} (0x${this.offset.toString(16)})`);
    if (this.typeId !== undefined) parts.push(`type [${this.typeId}]`);
    parts.push(`${this.rule} (${this.code})`);
    return parts.join(': ');
  }
}

/** Said wherever BTF that needs a base was given without one. */
export const SPLIT_HINT = 'looks like split BTF, give -B/--base';

/** Throw a `BtfError`. */
export function fail(code: BtfErrorCode, rule: string, where: BtfErrorLocation = {}): never {
  throw new BtfError(code, rule, where);
}
