/**
 * Dedup and merge against libbpf (Debian libbpf-dev 1.1, through the small C harness in
 * harness/libbpf-merge.c, compiled here): idempotence on each corpus vmlinux, merge + dedup
 * of every module of a corpus build on its vmlinux, the Linux 7.1 vmlinux fixture, and BPF
 * objects compiled from C files that share headers.
 *
 * libbpf 1.1 predates two dedup changes btfkit follows: TYPEDEF
 * deduplicated by graph equivalence in the struct phase (Nov 2025) and the generalized
 * identical-types check (2025). dedup's `legacy` option turns both off; with it btfkit's
 * output is compared with libbpf 1.1's type by type (bpftool raw text), and the default
 * output is compared by count with the figures of the issue (libbpf 1.7).
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { formatRawString } from '../../src/format/raw.js';
import { openBtf } from '../../src/open.js';
import { dedup } from '../../src/ops/dedup.js';
import { concatBtf, merge } from '../../src/ops/merge.js';
import { Btf } from '../../src/wire/btf.js';
import { Kind } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { readFixture, REPO_ROOT } from '../helpers.js';
import { CORPUS, corpusBuilds, hasTool, need } from './env.js';

const dir = mkdtempSync(join(tmpdir(), 'btfkit-dedup-conf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let harness: string | undefined;
/** Compile the libbpf harness once; undefined when cc or libbpf-dev is missing. */
function libbpf(t: TestContext): string | undefined {
  const ok = hasTool('cc') && existsSync('/usr/include/bpf/btf.h');
  if (!need(t, ok, 'cc and libbpf-dev (/usr/include/bpf/btf.h)')) return undefined;
  if (!harness) {
    const exe = join(dir, 'libbpf-merge');
    execFileSync('cc', ['-O2', '-o', exe, join(REPO_ROOT, 'test', 'conformance', 'harness', 'libbpf-merge.c'), '-lbpf']);
    harness = exe;
  }
  return harness;
}

/** Run libbpf's btf__dedup on `file` (split on `base`): its type_cnt and its output BTF. */
function libbpfDedup(exe: string, file: string, base: Btf | undefined, baseFile?: string): { types: number; btf: Btf } {
  const out = join(dir, `libbpf-${Math.random().toString(36).slice(2)}.btf`);
  const text = execFileSync(exe, [...(baseFile ? ['-B', baseFile] : []), '-o', out, file], { encoding: 'utf8' });
  const bytes = new Uint8Array(readFileSync(out));
  rmSync(out);
  // libbpf 1.1 copies a 32-byte header it does not understand without fixing the layout
  // fields; its layout section is not written, so clear them to read the output.
  if (bytes[4] === 32) bytes.fill(0, 24, 32);
  return { types: Number(/types (\d+)/.exec(text)?.[1]), btf: Btf.parse(bytes, { base }) };
}

describe('dedup conformance (libbpf 1.1)', () => {
  const builds = corpusBuilds();

  it('corpus builds are present', (t) => {
    need(t, builds.length > 0, `kernel corpus in ${CORPUS}`);
  });

  for (const build of builds) {
    it(`${build}: dedup of vmlinux keeps every type, identical to libbpf's output`, (t) => {
      const file = join(CORPUS, build, 'vmlinux.btf');
      const btf = Btf.parse(new Uint8Array(readFileSync(file)));
      const r = dedup(btf);
      assert.equal(r.btf.typeCount, btf.typeCount);
      const text = formatRawString(r.btf);
      assert.equal(text, formatRawString(btf));
      const exe = libbpf(t);
      if (!exe) return;
      const peer = libbpfDedup(exe, file, undefined);
      assert.equal(peer.types, r.btf.nextId);
      assert.equal(formatRawString(peer.btf), text);
    });
  }

  it('merge + dedup of every module of a corpus build on its vmlinux: same types as libbpf', (t) => {
    const build = builds[builds.length - 1];
    if (!need(t, build !== undefined, 'a corpus build')) return;
    const exe = libbpf(t);
    if (!exe) return;
    const baseFile = join(CORPUS, build!, 'vmlinux.btf');
    const base = Btf.parse(new Uint8Array(readFileSync(baseFile)));
    const modDir = join(CORPUS, build!, 'mods');
    const mods = readdirSync(modDir)
      .filter((f) => f.endsWith('.btf'))
      .sort()
      .map((f) => Btf.parse(new Uint8Array(readFileSync(join(modDir, f))), { base, file: f }));
    assert.ok(mods.length > 1000, `${mods.length} modules`);
    // libbpf 1.1's btf__add_btf cannot take split sources: btfkit concatenates, both dedup.
    const all = concatBtf(mods, base);
    const allFile = join(dir, 'merged.btf');
    writeFileSync(allFile, writeBtf(all));
    const peer = libbpfDedup(exe, allFile, base, baseFile);
    const legacy = dedup(all, { legacy: true });
    assert.equal(legacy.btf.nextId, peer.types, 'legacy mode: libbpf 1.1 type count');
    assert.equal(formatRawString(legacy.btf), formatRawString(peer.btf), 'legacy mode: libbpf 1.1 output, type by type');
    const ours = merge(mods, base);
    assert.ok(ours.btf.nextId <= peer.types);
    // The type signatures (used from the start here) only skip checks that would fail.
    assert.deepEqual(dedup(all, { legacy: true, signatureBudget: 0 }).btf.bytes, legacy.btf.bytes, 'legacy mode, signatures from the start');
    assert.deepEqual(dedup(all, { signatureBudget: 0 }).btf.bytes, dedup(all).btf.bytes, 'signatures from the start');
    if (build === '6.1.0-50-amd64') {
      // The figures: libbpf 1.1 530,983, libbpf 1.7 530,975. The 8 types are a
      // second struct nvdimm_bus_descriptor with its typedef'd function pointers (3 PTR to
      // FUNC_PROTO, 1 more PTR): the cycle struct -> typedef ndctl_fn -> ptr -> proto ->
      // ptr -> struct merges only when TYPEDEF is deduplicated by graph equivalence.
      assert.equal(peer.types, 530983);
      assert.equal(ours.btf.nextId, 530975);
    }
  });

  it('vmlinux 7.1: the same 4 duplicated FUNC_PROTOs merge as with libbpf, output identical', (t) => {
    const exe = libbpf(t);
    if (!exe) return;
    const bytes = readFixture('third-party', 'vmlinux-7.1.btf.gz');
    const file = join(dir, 'vmlinux-7.1.btf');
    writeFileSync(file, bytes);
    const r = dedup(Btf.parse(bytes));
    const peer = libbpfDedup(exe, file, undefined);
    assert.equal(peer.types, 103403);
    assert.equal(r.btf.nextId, peer.types);
    assert.equal(formatRawString(r.btf), formatRawString(peer.btf));
  });

  it('BPF objects compiled from C files sharing headers: merge leaves each distinct type once', (t) => {
    if (!need(t, hasTool('clang'), 'clang (-target bpf)')) return;
    const src = join(dir, 'objs');
    execFileSync('mkdir', ['-p', src]);
    writeFileSync(
      join(src, 'common.h'),
      `typedef unsigned int u32;
typedef unsigned long long u64;
enum state { ST_IDLE, ST_BUSY, ST_DONE };
struct peer;
struct stats { u64 packets; u64 bytes; u32 drops[4]; };
struct conn { struct conn *next; struct peer *peer; struct stats st; enum state state;
  union { u32 v4; unsigned char v6[16]; } addr; int (*cb)(struct conn *, u32); };
static inline int conn_busy(const struct conn *c) { return c->state == ST_BUSY; }
`,
    );
    writeFileSync(join(src, 'peer.h'), 'struct peer { struct conn *conns; u32 n; char name[16]; };\n');
    const files = {
      'a.c': '#include "common.h"\nstruct conn a_conn;\nint a_fn(struct conn *c) { return conn_busy(c) + (int)c->st.packets; }\n',
      'b.c': '#include "common.h"\n#include "peer.h"\nstruct peer b_peer;\nu64 b_fn(struct peer *p) { return p->n + p->conns->st.bytes; }\n',
      'c.c': '#include "common.h"\n#include "peer.h"\nstruct stats c_stats;\nint c_fn(struct conn *c, struct peer *p) { return conn_busy(c) + p->name[0]; }\n',
    };
    const objs: Btf[] = [];
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(src, name), text);
      const obj = join(src, name.replace('.c', '.o'));
      execFileSync('clang', ['-target', 'bpf', '-g', '-O2', '-c', join(src, name), '-o', obj]);
      objs.push(openBtf(new Uint8Array(readFileSync(obj)), { file: obj }).btf);
    }
    const r = merge(objs);
    const out = r.btf;
    const seen = new Map<string, number>();
    for (let id = 1; id < out.nextId; id++) {
      const k = out.kind(id);
      if (k === Kind.VAR || k === Kind.DATASEC) continue; // never deduplicated (libbpf too)
      const key = `${k} ${out.name(id)} ${formatRawString(out, [id]).replace(/^\[\d+\] /, '')}`;
      assert.equal(seen.get(key), undefined, `duplicate after merge: [${id}] and [${seen.get(key)}]: ${key}`);
      seen.set(key, id);
    }
    for (const name of ['conn', 'peer', 'stats', 'state', 'u32', 'u64']) assert.equal(out.findByName(name).length, 1, name);
    assert.equal(out.findByNameKind('peer', Kind.FWD), undefined, 'struct peer FWD resolved');
    assert.equal(out.findByName('conn_busy').length <= 1, true);
    // libbpf agrees on the same concatenation.
    const exe = libbpf(t);
    if (!exe) return;
    const allFile = join(dir, 'objs.btf');
    writeFileSync(allFile, writeBtf(concatBtf(objs)));
    const peer = libbpfDedup(exe, allFile, undefined);
    assert.equal(dedup(concatBtf(objs), { legacy: true }).btf.nextId, peer.types);
    assert.equal(out.nextId, peer.types);
  });
});
