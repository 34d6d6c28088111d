/** ELF container layer: parse ELF files, rewrite sections, and undo gzip/xz/zstd compression. */
export * from './elf.js';
export * from './write.js';
export * from './compress.js';
export * from './symbols.js';
