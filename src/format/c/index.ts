/**
 * BTF as C: libbpf-compatible declarations (`CDumper`), one declaration at a time for other
 * features (`emitTypeDecl`, `emitTypeDefinition`), and bpftool's whole vmlinux.h
 * (`formatVmlinuxH`).
 */

import type { Btf } from '../../wire/btf.js';
import { CDumper } from './dumper.js';
import type { TypeTable } from './table.js';

export { CDumper, type CDumperOptions } from './dumper.js';
export { TypeTable } from './table.js';
export { sortedTypeOrder, typeRank, typeSortName, disambiguationHash } from './sort.js';
export {
  formatVmlinuxH,
  formatVmlinuxHBytes,
  writeVmlinuxH,
  emitVmlinuxBody,
  emitKfuncs,
  findKfuncs,
  VMLINUX_H_PROLOGUE,
  VMLINUX_H_EPILOGUE,
  type VmlinuxHOptions,
} from './header.js';
export { mergeSplitBtfs } from './merge.js';

/** How `emitTypeDecl` / `emitTypeDefinition` write one type (a declared name, indentation). */
export interface TypeDeclOptions {
  /** Declared name (a field, variable or parameter name); '' for an abstract declarator. */
  readonly fieldName?: string | undefined;
  /** Nesting level for anonymous types written inline (tabs). */
  readonly indent?: number | undefined;
}

/**
 * The C declaration of type `id` as libbpf's btf_dump__emit_type_decl writes it, e.g.
 * `struct task_struct *`, `const char *name`, `int (*fn)(void *, int)`, or a whole
 * anonymous struct inline. Names are not de-conflicted (a fresh dumper).
 */
export function emitTypeDecl(btf: Btf | TypeTable, id: number, opts: TypeDeclOptions = {}): string {
  const d = new CDumper(btf);
  d.emitTypeDecl(id, opts.fieldName ?? '', opts.indent ?? 0);
  return d.take();
}

/**
 * The definition of one type as it appears in vmlinux.h, without its dependencies and
 * without the trailing `;`: `struct foo {\n\tint a;\n}`, `enum e {...}`, `typedef ... t`,
 * `struct fwd`. Other kinds give their declaration (as emitTypeDecl).
 */
export function emitTypeDefinition(btf: Btf | TypeTable, id: number, opts: { indent?: number } = {}): string {
  const d = new CDumper(btf);
  d.emitDefinition(id, opts.indent ?? 0);
  return d.take();
}
