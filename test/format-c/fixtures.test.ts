/**
 * The C dumper against Debian's bpftool 7.1 on small committed fixtures (C sources compiled
 * by clang, plus raw BTF built for what clang 14 cannot produce; see
 * scripts/make-c-dump-fixtures.mjs). bpftool 7.1 has no sorted order, so the comparison is
 * on the id-order (`--unsorted`) output, after undoing exactly the 7.8 additions listed in
 * bpftool71.ts. The additions themselves are asserted here too.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatVmlinuxH, mergeSplitBtfs } from '../../src/format/c/index.js';
import { Btf } from '../../src/wire/btf.js';
import { fixturePath } from '../helpers.js';
import { kflagTypeTagNames, MACRO_BLOCK, toBpftool71 } from './bpftool71.js';
import { expected71, loadFixture } from './util.js';

describe('format c matches bpftool 7.1 on the committed fixtures (minus the 7.8 additions)', () => {
  const cases: Array<[string, string, { modeAttrs: number; kflagTags: number }]> = [
    // clang 14 makes `enum __attribute__((packed))` 1 or 2 bytes and a 33-bit value 8 bytes:
    // 7.8 adds mode(byte) to e1 and mode(word) to e8 (a 32-bit ENUM of size 8).
    ['enums', 'enums.o', { modeAttrs: 2, kflagTags: 0 }],
    ['ordering', 'ordering.o', { modeAttrs: 0, kflagTags: 0 }],
    ['anon', 'anon.o', { modeAttrs: 0, kflagTags: 0 }],
    ['bitfields', 'bitfields.o', { modeAttrs: 0, kflagTags: 0 }],
    ['funcs', 'funcs.o', { modeAttrs: 0, kflagTags: 0 }],
    ['names', 'names.btf', { modeAttrs: 0, kflagTags: 0 }],
    // e32_1, e64_1 (byte); e32_8, e64_8_small (word). Not e64_8_big/_signed/_max: a value has
    // non-zero upper 32 bits. 2- and 4-byte enums get nothing.
    ['enums64', 'enums64.btf', { modeAttrs: 4, kflagTags: 0 }],
    // the address_space(1) member (the kfunc prototype using it goes with the kfunc section)
    ['tags', 'tags.btf', { modeAttrs: 0, kflagTags: 1 }],
  ];
  for (const [name, file, want] of cases) {
    it(`${name}: --unsorted output equals bpftool 7.1's after undoing exactly the 7.8 additions`, () => {
      const btf = loadFixture(file);
      const ours = formatVmlinuxH(btf, { sorted: false });
      assert.ok(ours.includes(MACRO_BLOCK), '7.8 macro block present');
      const { text, diff } = toBpftool71(ours, kflagTypeTagNames(btf));
      assert.equal(text, expected71(name));
      assert.equal(diff.macroBlock, true);
      assert.equal(diff.kfuncSection, true, 'kfunc section present (possibly empty)');
      assert.equal(diff.modeAttrs, want.modeAttrs, 'mode(byte)/mode(word) attributes');
      assert.equal(diff.kflagTags, want.kflagTags, 'kind_flag type tags');
    });
  }

  it('split BTF: a module on its base dumps base and module types (bpftool -B)', () => {
    const base = Btf.parse(new Uint8Array(readFileSync(fixturePath('c-dump', 'split-base.btf'))));
    const one = Btf.parse(new Uint8Array(readFileSync(fixturePath('c-dump', 'split-one.btf'))), { base });
    const { text } = toBpftool71(formatVmlinuxH(one, { sorted: false }));
    assert.equal(text, expected71('split-one'));
  });
});

describe('format c: what 7.8 prints beyond 7.1', () => {
  it('1-byte enums get mode(byte); 8-byte enums get mode(word) only when every value fits in 32 bits', () => {
    const out = formatVmlinuxH(loadFixture('enums64.btf'), { sorted: false });
    const closing = (name: string): string => {
      const at = out.indexOf(`enum ${name} {`);
      assert.ok(at >= 0, name);
      return out.slice(out.indexOf('\n}', at) + 1, out.indexOf(';', out.indexOf('\n}', at)));
    };
    assert.equal(closing('e32_1'), '} __attribute__((mode(byte)))');
    assert.equal(closing('e64_1'), '} __attribute__((mode(byte)))');
    assert.equal(closing('e32_2'), '}');
    assert.equal(closing('e64_2'), '}');
    assert.equal(closing('e32_4'), '}');
    assert.equal(closing('e64_4'), '}');
    assert.equal(closing('e32_8'), '} __attribute__((mode(word)))');
    assert.equal(closing('e64_8_small'), '} __attribute__((mode(word)))');
    assert.equal(closing('e64_8_big'), '}');
    assert.equal(closing('e64_8_signed'), '}');
    assert.equal(closing('e64_8_max'), '}');
    assert.match(out, /\tB8N = -4294967296LL,\n/);
    assert.match(out, /\tB8M = 18446744073709551615ULL,\n/);
    assert.match(out, /\nenum empty_enum;\n/);
  });

  it('type tags: kind_flag → __attribute__((NAME)), otherwise btf_type_tag("NAME")', () => {
    const out = formatVmlinuxH(loadFixture('tags.btf'), { sorted: false });
    assert.match(out, /\tvoid __attribute__\(\(address_space\(1\)\)\) \*arena;\n/);
    assert.match(out, /\tint __attribute__\(\(btf_type_tag\("user"\)\)\) \*u;\n/);
  });

  it('kfunc section: FUNCs tagged bpf_kfunc (component -1) sorted by name, __bpf_fastcall when tagged so', () => {
    const out = formatVmlinuxH(loadFixture('tags.btf'), { sorted: false });
    const want =
      '\n/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n' +
      'extern __bpf_fastcall int bpf_alpha(void) __weak __ksym;\n' +
      'extern void __attribute__((address_space(1))) *bpf_zeta_alloc(struct tagged *p__map, int cnt) __weak __ksym;\n' +
      '#endif\n\n';
    assert.ok(out.includes(`};\n\n${want}#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n`), out);
    assert.ok(!out.includes('not_a_kfunc'), 'a bpf_kfunc tag on a parameter (component 0) does not count');
  });

  it('--root: only the root types and what they need, and no kfunc section', () => {
    const btf = loadFixture('tags.btf');
    const tagged = btf.findByName('tagged')[0]!;
    const out = formatVmlinuxH(btf, { roots: [tagged] });
    assert.ok(!out.includes('BPF kfuncs'));
    assert.ok(out.includes('struct tagged {'));
    const names = loadFixture('names.btf');
    const user2 = names.findByName('user2')[0]!;
    const o2 = toBpftool71(formatVmlinuxH(names, { roots: [user2] })).text;
    assert.equal(
      o2.slice(o2.indexOf('#endif\n\n') + 8, o2.lastIndexOf('#ifndef BPF_NO_PRESERVE_ACCESS_INDEX')),
      'struct conflict {\n\tint a;\n\tint b;\n};\n\ntypedef struct conflict dup;\n\nstruct user2 {\n\tdup d2;\n};\n\n',
      'names are de-conflicted in emission order, so a root dump has no ___N',
    );
  });
});

describe('format c: several modules on one base', () => {
  it('merges split BTFs: base types once, a type both modules carry once, a clashing name gets ___2', () => {
    const base = Btf.parse(new Uint8Array(readFileSync(fixturePath('c-dump', 'split-base.btf'))));
    const mods = ['split-one.btf', 'split-two.btf'].map((f) => Btf.parse(new Uint8Array(readFileSync(fixturePath('c-dump', f))), { base }));
    const merged = mergeSplitBtfs(mods, base);
    assert.equal(merged.nextId, base.nextId + mods[0]!.typeCount + mods[1]!.typeCount - 2, 'the second PTR to base_s and same_in_both deduplicated');
    const out = formatVmlinuxH(merged, { sorted: false });
    assert.equal(out.split('struct base_s {').length - 1, 1);
    assert.ok(out.includes('struct mod_one {\n\tstruct base_s *b;\n\tint v;\n};'));
    assert.ok(out.includes('struct mod_two {\n\tstruct base_s *b;\n\tint v;\n};'));
    assert.ok(out.includes('struct shared_name {\n\tint one;\n};'));
    assert.ok(out.includes('struct shared_name___2 {\n\tint two;\n};'));
    assert.equal(out.split('struct same_in_both {').length - 1, 1);
    assert.ok(!out.includes('same_in_both___2'));
  });
});
