/**
 * btfkit/wire: the BTF binary format itself — the lazy reader (`Btf`), the builder and writer,
 * .BTF.ext, the kind table with its accessors and predicates, the field visitor, errors and
 * the hostile-input limits.
 */
export * from './btf.js';
export * from './builder.js';
export * from './errors.js';
export * from './ext.js';
export * from './fields.js';
export * from './header.js';
export * from './kinds.js';
export * from './limits.js';
export * from './write.js';
