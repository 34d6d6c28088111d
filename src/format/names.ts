/** Words bpftool prints for encodings and linkages, shared by the raw and JSON formats. */

/** INT encoding (one bit at most is valid) → bpftool's word; anything else prints "UNKN". */
export const INT_ENCODING_NAMES: Readonly<Record<number, string>> = { 0: '(none)', 1: 'SIGNED', 2: 'CHAR', 4: 'BOOL' };
export const INT_ENCODING_UNKNOWN = 'UNKN';
/** FUNC (vlen) and VAR (btf_var.linkage) linkage → bpftool's word; beyond prints "(unknown)". */
export const LINKAGE_NAMES: readonly string[] = ['static', 'global', 'extern'];
export const LINKAGE_UNKNOWN = '(unknown)';
