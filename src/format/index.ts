/**
 * btfkit/format: BTF as text — bpftool's raw and JSON dumps, C (libbpf's btf_dump, vmlinux.h)
 * and pahole's struct layout.
 */
export * from './c/index.js';
export * from './json.js';
export * from './pahole.js';
export * from './raw.js';
export type { ByteSink, ByteWriter } from './byte-writer.js';
