/**
 * What separates bpftool 7.8's `format c` text from Debian's bpftool 7.1 (libbpf 1.1), as
 * the two releases' bpftool btf.c and libbpf btf_dump.c differ and the fixtures confirm. `toBpftool71` undoes exactly these, and
 * nothing else, so the rest of the text can be compared byte for byte:
 *
 *  1. 7.8 adds the `__ksym` / `__weak` / `__bpf_fastcall` macro block after the
 *     preserve_access_index block;
 *  2. 7.8 adds the kfunc section (`/* BPF kfuncs *\/` ... `#endif`) after the types;
 *  3. 7.8 adds ` __attribute__((mode(byte)))` after the brace of 1-byte enums and
 *     ` __attribute__((mode(word)))` after 8-byte enums whose values fit in 32 bits;
 *  4. 7.8 prints a TYPE_TAG with kind_flag as ` __attribute__((NAME))`, 7.1 as
 *     ` __attribute__((btf_type_tag("NAME")))` (as for every type tag).
 */

import type { Btf } from '../../src/wire/btf.js';
import { Kind } from '../../src/wire/kinds.js';

export const MACRO_BLOCK =
  '#ifndef __ksym\n#define __ksym __attribute__((section(".ksyms")))\n#endif\n\n' +
  '#ifndef __weak\n#define __weak __attribute__((weak))\n#endif\n\n' +
  '#ifndef __bpf_fastcall\n#if __has_attribute(bpf_fastcall)\n#define __bpf_fastcall __attribute__((bpf_fastcall))\n#else\n#define __bpf_fastcall\n#endif\n#endif\n\n';

const KFUNC_SECTION = /\n\/\* BPF kfuncs \*\/\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n(?:(?!#endif\n).*\n)*#endif\n\n/;

/** Names of the TYPE_TAGs with kind_flag set (printed differently by 7.1). */
export function kflagTypeTagNames(btf: Btf): string[] {
  const names = new Set<string>();
  for (let id = 1; id < btf.nextId; id++) if (btf.kind(id) === Kind.TYPE_TAG && btf.kflag(id)) names.add(btf.name(id));
  return [...names];
}

export interface Differences {
  macroBlock: boolean;
  kfuncSection: boolean;
  modeAttrs: number;
  kflagTags: number;
}

/** 7.8 text → the text 7.1 prints for the same BTF; also counts what was undone. */
export function toBpftool71(text: string, kflagTags: readonly string[] = []): { text: string; diff: Differences } {
  const diff: Differences = { macroBlock: false, kfuncSection: false, modeAttrs: 0, kflagTags: 0 };
  const at = text.indexOf(MACRO_BLOCK);
  if (at >= 0) {
    text = text.slice(0, at) + text.slice(at + MACRO_BLOCK.length);
    diff.macroBlock = true;
  }
  const m = KFUNC_SECTION.exec(text);
  if (m) {
    text = text.slice(0, m.index) + text.slice(m.index + m[0].length);
    diff.kfuncSection = true;
  }
  text = text.replace(/\} __attribute__\(\(mode\((?:byte|word)\)\)\)/g, () => {
    diff.modeAttrs++;
    return '}';
  });
  for (const name of kflagTags) {
    const from = ` __attribute__((${name}))`;
    const to = ` __attribute__((btf_type_tag("${name}")))`;
    const parts = text.split(from);
    diff.kflagTags += parts.length - 1;
    text = parts.join(to);
  }
  return { text, diff };
}
