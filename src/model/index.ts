/**
 * btfkit/model: views over a `Btf` — one type as an object (`typeAt`, the `BtfType` union
 * and its members), summaries, byte sizes and pointer size (libbpf's rules), and the struct
 * layout model (pahole's rules).
 */
export * from './layout.js';
export * from './sizes.js';
export * from './summary.js';
export * from './types.js';
