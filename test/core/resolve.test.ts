import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBtf } from '../../src/open.js';
import { type CoreReloResult, resolveCoreRelos } from '../../src/ops/core/resolve.js';
import { Btf } from '../../src/wire/btf.js';
import { CORE_RELO_KIND_NAMES } from '../../src/wire/ext.js';
import { Kind } from '../../src/wire/kinds.js';
import { readFixture } from '../helpers.js';
import { syntheticModule } from './core-helpers.js';

const vmlinux = Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'), { sanityCheck: false });
const open = (...p: string[]): ReturnType<typeof openBtf> => openBtf(readFixture(...p));

/** Value of relocation #index of a section, as text ("poison", "error EINVAL", or the number). */
function val(res: readonly CoreReloResult[], section: string, index: number): string {
  const r = res.find((x) => x.section === section && x.index === index);
  assert.ok(r, `no relocation ${section}#${index}`);
  if (r.error !== undefined) return `error ${r.errno}`;
  return r.value!.poison ? 'poison' : String(r.value!.newValue);
}
const kinds = (res: readonly CoreReloResult[], section: string): string[] => res.filter((r) => r.section === section).map((r) => r.kindName);

describe('CO-RE relocations against vmlinux 7.1', () => {
  const obj = open('core', 'vmlinux_relocs.o');
  const res = resolveCoreRelos(obj, vmlinux);

  it('the fixture carries every relocation kind', () => {
    assert.deepEqual([...new Set(res.map((r) => r.kindName))].sort(), [...CORE_RELO_KIND_NAMES].sort());
  });
  it('field byte offsets, sizes, existence, signedness and shifts of plain fields', () => {
    assert.deepEqual(kinds(res, 'kprobe/fields').slice(10), ['byte_sz', 'field_exists', 'signed', 'signed', 'lshift_u64', 'rshift_u64', 'byte_sz', 'byte_off', 'byte_sz']);
    assert.equal(val(res, 'kprobe/fields', 0), '2536', 'task_struct.pid at bit 20288');
    assert.equal(val(res, 'kprobe/fields', 2), '2540', 'tgid');
    assert.equal(val(res, 'kprobe/fields', 3), '44', 'flags');
    assert.equal(val(res, 'kprobe/fields', 4), '3019', 'comm[3]');
    assert.equal(val(res, 'kprobe/fields', 10), '4', 'sizeof pid');
    assert.equal(val(res, 'kprobe/fields', 11), '1');
    assert.equal(val(res, 'kprobe/fields', 12), '1', 'pid_t is signed');
    assert.equal(val(res, 'kprobe/fields', 13), '0', 'flags is unsigned');
    assert.equal(val(res, 'kprobe/fields', 14), '32');
    assert.equal(val(res, 'kprobe/fields', 15), '32');
    assert.equal(val(res, 'kprobe/fields', 16), '16', 'sizeof comm');
    assert.equal(val(res, 'kprobe/fields', 17), '3021', 'offset of comm[5]');
    assert.equal(val(res, 'kprobe/fields', 18), '1', 'size of comm[5]');
  });
  it('bitfields: load unit offset/size and little-endian shifts', () => {
    assert.deepEqual(
      res.filter((r) => r.section === 'kprobe/bitfields').map((r) => `${r.kindName}=${val(res, r.section, r.index)}`),
      ['byte_off=2460', 'byte_sz=4', 'lshift_u64=63', 'rshift_u64=63', 'signed=0', 'byte_off=2464', 'lshift_u64=60', 'lshift_u64=56', 'field_exists=1'],
    );
  });
  it('big-endian object: big-endian shifts', () => {
    const be = resolveCoreRelos(open('core', 'vmlinux_relocs-eb.o'), vmlinux);
    assert.deepEqual(
      be.filter((r) => r.section === 'kprobe/bitfields' && r.kindName === 'lshift_u64').map((r) => String(r.value!.newValue)),
      ['32', '35', '39'],
    );
    assert.deepEqual(
      be.filter((r) => r.section === 'kprobe/bitfields' && r.kindName === 'lshift_u64').map((r) => String(r.value!.origValue)),
      ['32', '34', '35'],
      'local values, from the local struct layout (bits 128, 130, 131)',
    );
  });
  it('a missing field: exists 0, the guarded read is poisoned', () => {
    assert.equal(val(res, 'kprobe/missing', 0), '0');
    assert.equal(val(res, 'kprobe/missing', 1), 'poison');
    const r = res.find((x) => x.section === 'kprobe/missing' && x.index === 1)!;
    assert.match(r.candidates[0]!.reason!, /no member 'state'/);
  });
  it('anonymous members and flexible arrays', () => {
    const skb = res.find((x) => x.section === 'kprobe/nested' && x.index === 0)!;
    assert.equal(skb.target!.raw.length > skb.target!.access.length, true, 'target path goes through anonymous members');
    assert.equal(val(res, 'kprobe/nested', 1), '112', 'sk_buff.len');
    assert.equal(val(res, 'kprobe/nested', 2), '2', 'sizeof protocol');
    assert.equal(val(res, 'kprobe/nested', 3), '216', 'cgroup.level');
    assert.equal(val(res, 'kprobe/nested', 4), String(17472 / 8 + 3 * 8), 'cgroup.ancestors[3] past nelems 0');
    assert.equal(val(res, 'kprobe/nested', 5), String(17472 / 8 + 7 * 8));
  });
  it('type ids, existence, sizes and matches', () => {
    assert.deepEqual(
      res.filter((r) => r.section === 'kprobe/types').map((r) => `${r.kindName}=${val(res, r.section, r.index)}`),
      [
        'local_type_id=2',
        `target_type_id=${vmlinux.findByNameKind('task_struct', Kind.STRUCT)}`,
        'target_type_id=0',
        'type_exists=1',
        'type_size=5504',
        'type_size=1600',
        'type_exists=0',
        'type_size=0',
        'type_exists=1',
        'type_matches=1',
      ],
    );
  });
  it('enum values and existence; a missing enumerator poisons VALUE', () => {
    assert.deepEqual(
      res.filter((r) => r.section === 'kprobe/enums').map((r) => `${r.kindName}=${val(res, r.section, r.index)}`),
      ['enumval_exists=1', 'enumval_value=1', 'enumval_value=3', 'enumval_exists=0', 'enumval_exists=0', 'enumval_value=poison'],
    );
  });
});

describe('CO-RE relocations from cilium/ebpf test objects', () => {
  for (const e of ['el', 'eb']) {
    it(`relocs-${e}: resolving against itself keeps every value, ambiguity is an error`, () => {
      const obj = open('third-party', `relocs-${e}.elf`);
      const res = resolveCoreRelos(obj, obj.btf);
      assert.ok(res.length > 100);
      for (const r of res) {
        if (r.section.startsWith('socket/err_ambiguous')) {
          assert.match(r.error ?? '', /ambiguity/, `${r.section}#${r.index}`);
          continue;
        }
        assert.equal(r.error, undefined, `${r.section}#${r.index} ${r.error}`);
        assert.equal(r.value!.newValue, r.value!.origValue, `${r.section}#${r.index} ${r.kindName} ${r.accessStr}`);
      }
    });
    it(`relocs_read-${e} against relocs_read_tgt-${e}: every relocation resolves`, () => {
      const obj = open('third-party', `relocs_read-${e}.elf`);
      const tgt = open('third-party', `relocs_read_tgt-${e}.elf`);
      const res = resolveCoreRelos(obj, tgt.btf);
      assert.ok(res.length > 40);
      for (const r of res) assert.ok(r.error === undefined && !r.value!.poison, `${r.section}#${r.index} ${r.kindName}`);
      assert.ok(res.some((r) => r.value!.newValue !== r.value!.origValue), 'the target layout differs');
    });
    it(`relocs_enum-${e}: enum values`, () => {
      const obj = open('third-party', `relocs_enum-${e}.elf`);
      const res = resolveCoreRelos(obj, obj.btf);
      assert.ok(res.length > 0);
      for (const r of res) assert.equal(r.value!.newValue, r.value!.origValue);
    });
  }
});

describe('CO-RE relocations against module BTF', () => {
  const mod = syntheticModule(vmlinux);
  const obj = open('core', 'module_relocs.o');
  it('searches modules only when vmlinux has no candidate', () => {
    const res = resolveCoreRelos(obj, vmlinux, { modules: [{ name: 'nf_tables', btf: mod }] });
    const byAccess = res.map((r) => `${r.kindName}:${r.targetBtf?.name ?? '-'}=${val(res, r.section, r.index)}`);
    assert.deepEqual(byAccess, [
      'byte_off:nf_tables=32',
      'byte_off:nf_tables=42',
      'byte_off:nf_tables=0',
      `byte_off:vmlinux=${byteOffsetOf(vmlinux, 'net', 'ifindex')}`,
      'byte_sz:nf_tables=1',
      'field_exists:nf_tables=1',
      'field_exists:-=0',
      'signed:nf_tables=0',
      'type_size:nf_tables=48',
      `target_type_id:nf_tables=${mod.startId + 1}`,
      `byte_off:vmlinux=2536`,
    ]);
  });
  it('without the module the module type has no candidate', () => {
    const res = resolveCoreRelos(obj, vmlinux);
    assert.equal(val(res, 'kprobe/module', 0), 'poison');
  });
});

function byteOffsetOf(btf: Btf, struct: string, member: string): number {
  const id = btf.findByNameKind(struct, Kind.STRUCT)!;
  for (let i = 0; i < btf.vlen(id); i++) if (btf.str(btf.elemWord(id, i, 0)) === member) return btf.elemWord(id, i, 2) / 8;
  throw new Error('no member');
}
