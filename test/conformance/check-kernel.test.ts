/**
 * Differential test of `check` against the running kernel's BTF verifier (BPF_BTF_LOAD).
 *
 * Needs root (CAP_BPF) and a C compiler: a small loader (kernel-btf-batch.c, next to this
 * file) is compiled at test time and asked about thousands of blobs in one process. Outside
 * CI a machine that cannot ask the kernel skips the test with the reason; in CI it fails.
 *
 * Inputs: standalone BTF cut out of real BTF (the running kernel's vmlinux, the corpus
 * vmlinux, the 7.1 fixture, BPF objects), each mutated per field (names, info, sizes, type
 * ids, member offsets, enum values, datasec entries, string bytes, header fields, length).
 * `check` emulates the running kernel's release and must agree on accept/reject for every
 * single one. Seeds whose closure contains the "special field" types (bpf_spin_lock, kptr
 * tags, ...) are left out: that stage depends on the kernel's own BTF and is not emulated.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { checkBtf } from '../../src/ops/check.js';
import { sanitizeBtf } from '../../src/ops/sanitize.js';
import { isElf, parseElf } from '../../src/elf/index.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { Kind } from '../../src/wire/kinds.js';
import { REPO_ROOT } from '../helpers.js';
import { closureBtf, mutate, Rng, seedInfo, type SeedInfo, syntheticSeeds, edgeCases } from '../fuzz/mutate.js';
import { CORPUS, hasTool, need } from './env.js';

const TARGET = Number(process.env.BTFKIT_DIFF_CASES ?? 10_500);
const SPECIAL = /bpf_spin_lock|bpf_res_spin_lock|bpf_list_head|bpf_list_node|bpf_rb_root|bpf_rb_node|bpf_refcount|bpf_timer|bpf_wq|kptr|uptr/;

function runningKernel(): string {
  const r = spawnSync('uname', ['-r'], { encoding: 'utf8' });
  return (r.stdout ?? '').trim();
}

export function buildLoader(dir: string): string | undefined {
  if (!hasTool('cc')) return undefined;
  const bin = join(dir, 'kernel-btf-batch');
  const r = spawnSync('cc', ['-O2', '-o', bin, join(REPO_ROOT, 'test', 'conformance', 'kernel-btf-batch.c')], { encoding: 'utf8' });
  return r.status === 0 ? bin : undefined;
}

/** Ask the kernel about every blob: true = accepted. Throws when it cannot be asked. */
export function askKernel(bin: string, blobs: Uint8Array[], verbose = false): { accepted: boolean[]; lines: string[] } {
  const parts: Buffer[] = [];
  for (const b of blobs) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    parts.push(len, Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  const r = spawnSync(bin, verbose ? ['-v'] : [], { input: Buffer.concat(parts), maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kernel loader failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.split('\n');
  const accepted: boolean[] = [];
  const grouped: string[] = [];
  for (const l of lines) {
    if (l.startsWith('\t')) grouped[grouped.length - 1] += `\n${l}`;
    else if (l !== '') {
      accepted.push(l === 'A');
      grouped.push(l);
    }
  }
  assert.equal(accepted.length, blobs.length, 'one answer per blob');
  return { accepted, lines: grouped };
}

function elfBtf(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  if (!isElf(bytes)) return bytes;
  const elf = parseElf(bytes);
  return elf.sectionData(elf.section('.BTF')!);
}

/** Seeds: small standalone BTFs cut out of real ones. */
function makeSeeds(rng: Rng): Array<{ from: string; bytes: Uint8Array }> {
  const seeds: Array<{ from: string; bytes: Uint8Array }> = [];
  const sources: Array<{ from: string; btf: Btf; count: number }> = [];
  const add = (from: string, bytes: Uint8Array | undefined, count: number): void => {
    if (!bytes) return;
    try {
      sources.push({ from, btf: Btf.parse(bytes), count });
    } catch {
      /* not a usable source */
    }
  };
  if (existsSync('/sys/kernel/btf/vmlinux')) add('vmlinux (running)', new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')), 40);
  for (const build of ['6.1.0-47-amd64', '6.1.0-50-amd64']) {
    const p = join(CORPUS, build, 'vmlinux.btf');
    if (existsSync(p)) add(`vmlinux ${build}`, new Uint8Array(readFileSync(p)), 20);
  }
  // Module BTF from the corpus: split on its vmlinux; closures are cut out as standalone BTF.
  for (const build of ['6.1.0-47-amd64']) {
    const dir = join(CORPUS, build);
    if (!existsSync(join(dir, 'mods'))) continue;
    const vmlinux = Btf.parse(new Uint8Array(readFileSync(join(dir, 'vmlinux.btf'))));
    const mods = readdirSync(join(dir, 'mods')).filter((f) => f.endsWith('.btf')).sort();
    for (let i = 0; i < 10 && mods.length > 0; i++) {
      const f = mods[rng.int(mods.length)]!;
      try {
        sources.push({ from: `module ${f}`, btf: Btf.parse(new Uint8Array(readFileSync(join(dir, 'mods', f))), { base: vmlinux }), count: 3 });
      } catch {
        /* skip unreadable */
      }
    }
  }
  add('vmlinux 7.1 fixture', new Uint8Array(gunzipSync(readFileSync(join(REPO_ROOT, 'fixtures', 'third-party', 'vmlinux-7.1.btf.gz')))), 20);
  for (const f of ['relocs-el.elf', 'tags-el.elf']) {
    const p = join(REPO_ROOT, 'fixtures', 'third-party', f);
    if (existsSync(p)) add(f, elfBtf(p), 3);
  }
  add('kinds-el.btf', elfBtf(join(REPO_ROOT, 'fixtures', 'btf', 'kinds-el.btf')), 3);
  for (const s of sources) {
    const btf = s.btf;
    let made = 0;
    for (let attempt = 0; attempt < s.count * 20 && made < s.count; attempt++) {
      const id = btf.startId + rng.int(btf.typeCount);
      if (btf.typeCount === 0) break;
      const k = btf.kind(id);
      // Relocatable objects' DATASEC/extern VARs are fixed up by libbpf before loading.
      if (k === Kind.DATASEC || (k === Kind.VAR && btf.word(id, 3) === 2)) continue;
      const roots = [id];
      if (rng.chance(0.5)) roots.push(btf.startId + rng.int(btf.typeCount));
      const bytes = closureBtf(btf, roots.filter((r) => btf.kind(r) !== Kind.DATASEC), 300);
      if (!bytes) continue;
      const text = Buffer.from(Btf.parse(bytes).strings).toString('latin1');
      if (SPECIAL.test(text)) continue;
      seeds.push({ from: s.from, bytes });
      made++;
    }
  }
  // Hand-built seeds, repeated so their kinds get a fair share of the mutants.
  for (const bytes of syntheticSeeds()) for (let i = 0; i < 10; i++) seeds.push({ from: 'synthetic', bytes });
  return seeds;
}

/** Run `fn` with the kernel loader built in a temp dir; skipped (failed in CI) when the kernel cannot be asked. */
function withKernelLoader(t: TestContext, fn: (bin: string) => void): void {
  if (!need(t, process.getuid?.() === 0, 'root (CAP_BPF) to ask the kernel via BPF_BTF_LOAD')) return;
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-kbl-'));
  try {
    const bin = buildLoader(dir);
    if (!need(t, bin !== undefined, 'a C compiler (cc) to build the kernel loader')) return;
    fn(bin!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('check agrees with the running kernel on accept/reject for >= 10,000 mutated real BTFs', { timeout: 8 * 60_000 }, (t) => {
  withKernelLoader(t, (bin) => {
    const release = runningKernel();
    const version = /^(\d+\.\d+)/.exec(release)?.[1] ?? '6.18';
    const rng = new Rng(0x5eed);
    const seeds = makeSeeds(rng);
    assert.ok(seeds.length >= 20, `enough seeds (${seeds.length})`);
    // The seeds themselves must be valid for both.
    const seedAnswers = askKernel(bin, seeds.map((s) => s.bytes));
    const infos: SeedInfo[] = [];
    seeds.forEach((s, i) => {
      const mine = checkBtf(s.bytes, { kernelVersion: version, endian: 'little' });
      assert.equal(mine.valid, seedAnswers.accepted[i], `seed from ${s.from}: check ${mine.valid ? 'accepts' : `rejects (${mine.findings[0]?.rule})`}, kernel ${seedAnswers.accepted[i] ? 'accepts' : 'rejects'}`);
      if (mine.valid) infos.push(seedInfo(s.bytes));
    });
    // Limits: chain lengths, resolve depth, name lengths and characters, tag order.
    const edges = edgeCases();
    const edgeAnswers = askKernel(bin, edges.map((e) => e.bytes));
    const edgeLines: string[] = [];
    edges.forEach((e, i) => {
      const mine = checkBtf(e.bytes, { kernelVersion: version, endian: 'little' });
      edgeLines.push(`${e.name}: kernel ${edgeAnswers.accepted[i] ? 'accepts' : 'rejects'}, check ${mine.valid ? 'accepts' : `rejects (${mine.findings[0]?.rule})`}`);
    });
    t.diagnostic(edgeLines.join('; '));
    edges.forEach((e, i) => assert.equal(checkBtf(e.bytes, { kernelVersion: version, endian: 'little' }).valid, edgeAnswers.accepted[i], edgeLines[i]));
    let total = 0;
    let accepted = 0;
    const disagreements: string[] = [];
    const rules = new Map<string, number>();
    const batch = 1000;
    while (total < TARGET) {
      const blobs: Uint8Array[] = [];
      for (let i = 0; i < batch; i++) blobs.push(mutate(infos[rng.int(infos.length)]!, rng));
      const kernel = askKernel(bin, blobs);
      const bad: number[] = [];
      blobs.forEach((b, i) => {
        const mine = checkBtf(b, { kernelVersion: version, endian: 'little' });
        if (kernel.accepted[i]) accepted++;
        else {
          const key = (mine.findings[0]?.rule ?? '(none)').replace(/:[0-9a-f]+$/, ':N').replace(/\d+/g, 'N');
          rules.set(key, (rules.get(key) ?? 0) + 1);
        }
        if (mine.valid !== kernel.accepted[i]) bad.push(i);
      });
      if (bad.length > 0) {
        const logs = askKernel(bin, bad.map((i) => blobs[i]!), true);
        bad.forEach((i, j) => {
          const mine = checkBtf(blobs[i]!, { kernelVersion: version, endian: 'little' });
          disagreements.push(`kernel: ${logs.lines[j]!.split('\n').slice(-2).join(' | ')}\n  check: ${mine.valid ? 'valid' : mine.findings.map((f) => f.rule).join('; ')}`);
        });
      }
      total += blobs.length;
    }
    const summary = `${total} mutants of ${infos.length} seeds against Linux ${release}: kernel accepted ${accepted}, rejected ${total - accepted}; disagreements ${disagreements.length}`;
    t.diagnostic(summary);
    t.diagnostic(`rejections by check's first rule: ${[...rules.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (process.env.BTFKIT_DIFF_REPORT) console.log(summary);
    assert.equal(disagreements.length, 0, `${summary}\n${disagreements.slice(0, 20).join('\n')}`);
    assert.ok(total >= 10_000 || process.env.BTFKIT_DIFF_CASES !== undefined);
    assert.ok(accepted > total / 20 && accepted < total - total / 20, 'a real mix of accepted and rejected mutants');
  });
});

/** errno numbers of the names a finding carries (ENOTSUPP is the kernel-internal 524). */
const ERRNO: Record<string, number> = { EINVAL: 22, E2BIG: 7, EEXIST: 17, ELOOP: 40, ENOTSUPP: 524 };

test('check names the errno the kernel returns: loops EEXIST, resolve depth E2BIG, the edge cases and mutated seeds', { timeout: 3 * 60_000 }, (t) => {
  withKernelLoader(t, (bin) => {
    const version = /^(\d+\.\d+)/.exec(runningKernel())?.[1] ?? '6.18';
    const loop = (fn: (b: BtfBuilder) => void): Uint8Array => {
      const b = new BtfBuilder({ endian: 'little' });
      fn(b);
      return b.toBytes();
    };
    const cases: Array<{ name: string; bytes: Uint8Array }> = [
      { name: 'struct a { struct b } / struct b { struct a }', bytes: loop((b) => void [b.addStruct('a', 4, [{ name: 'b', type: 2, bitOffset: 0 }]), b.addStruct('b', 4, [{ name: 'a', type: 1, bitOffset: 0 }])]) },
      { name: 'const -> volatile -> const', bytes: loop((b) => void [b.addConst(2), b.addVolatile(1)]) },
      { name: 'typedef t -> t', bytes: loop((b) => void b.addTypedef('t', 1)) },
      { name: 'array of itself', bytes: loop((b) => void [b.addInt('int', 4, 1), b.addArray(2, 1, 2)]) },
      ...edgeCases(),
    ];
    const rng = new Rng(0xe770);
    for (const seed of syntheticSeeds()) {
      const info = seedInfo(seed);
      for (let i = 0; i < 40; i++) cases.push({ name: `mutated synthetic seed ${i}`, bytes: mutate(info, rng) });
    }
    const kernel = askKernel(bin, cases.map((c) => c.bytes));
    const byErrno = new Map<string, number>();
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      if (kernel.accepted[i]) return;
      const errno = Number(/^R (\d+)/.exec(kernel.lines[i]!)?.[1]);
      const mine = checkBtf(c.bytes, { kernelVersion: version, endian: 'little' }).findings[0];
      if (!mine) return; // accept/reject disagreement: the test above reports those
      byErrno.set(mine.errno, (byErrno.get(mine.errno) ?? 0) + 1);
      if (ERRNO[mine.errno] !== errno) wrong.push(`${c.name}: kernel errno ${errno}, check ${mine.errno} (${mine.rule})`);
    });
    t.diagnostic(`rejected, by errno: ${JSON.stringify(Object.fromEntries(byErrno))}`);
    assert.deepEqual(wrong, []);
    for (let i = 0; i < 4; i++) assert.deepEqual([kernel.lines[i]!.split('\n')[0], checkBtf(cases[i]!.bytes).findings[0]?.errno], ['R 17', 'EEXIST'], cases[i]!.name);
  });
});

test('sanitize: the 7.1 vmlinux fixture, down-converted for 5.x, loads in the running kernel and passes the 5.x rules', { timeout: 3 * 60_000 }, (t) => {
  withKernelLoader(t, (bin) => {
    const v71 = Btf.parse(new Uint8Array(gunzipSync(readFileSync(join(REPO_ROOT, 'fixtures', 'third-party', 'vmlinux-7.1.btf.gz')))));
    const outs = ['5.4', '5.10', '5.15', '6.1'].map((v) => ({ v, r: sanitizeBtf(v71, v) }));
    const kernel = askKernel(bin, [v71.bytes, ...outs.map((o) => o.r.bytes)]);
    t.diagnostic(`unsanitized 7.1 fixture: kernel ${kernel.accepted[0] ? 'accepts' : 'rejects: ' + kernel.lines[0]!.split('\n').slice(-1)[0]}`);
    outs.forEach((o, i) => {
      t.diagnostic(`--for ${o.v}: ${JSON.stringify(o.r.changes)}; kernel ${kernel.accepted[i + 1] ? 'accepts' : 'rejects'}`);
      assert.ok(kernel.accepted[i + 1], `sanitized for ${o.v}: ${kernel.lines[i + 1]}`);
      assert.deepEqual(checkBtf(o.r.bytes, { kernelVersion: o.v }).findings, [], `passes the ${o.v} rules`);
      if (process.env.BTFKIT_KEEP_SANITIZED) writeFileSync(join(process.env.BTFKIT_KEEP_SANITIZED, `vmlinux-7.1-for-${o.v}.btf`), o.r.bytes);
    });
  });
});

test('check accepts every module of the corpus as module BTF at the 6.1 rules (they loaded on 6.1)', { timeout: 4 * 60_000 }, (t) => {
  const dir = join(CORPUS, '6.1.0-47-amd64');
  if (!need(t, existsSync(join(dir, 'mods')) && existsSync(join(dir, 'vmlinux.btf')), `corpus ${dir} (mods/*.btf, vmlinux.btf)`)) return;
  const base = Btf.parse(new Uint8Array(readFileSync(join(dir, 'vmlinux.btf'))));
  assert.deepEqual(checkBtf(base.bytes, { kernelVersion: '6.1', mode: 'vmlinux' }).findings, []);
  const mods = readdirSync(join(dir, 'mods')).filter((f) => f.endsWith('.btf'));
  const bad: string[] = [];
  for (const f of mods) {
    const r = checkBtf(new Uint8Array(readFileSync(join(dir, 'mods', f))), { base, kernelVersion: '6.1' });
    if (!r.valid) bad.push(`${f}: ${r.findings[0]!.rule}`);
  }
  t.diagnostic(`${mods.length} modules checked, ${bad.length} rejected`);
  assert.deepEqual(bad, []);
});
