/**
 * `btfkit encode` with the DEFAULT feature set (pahole's: encode_force var float decl_tag
 * type_tag enum64 optimized_func consistent_func decl_tag_kfuncs) against pahole 1.30 run
 * here (Debian trixie's, scripts/fetch-pahole-trixie.sh) with `-J -j1 --btf_features=default`
 * on the DWARF of Debian's 6.1.0-50 build (scripts/fetch-debian-dbg.sh).
 *
 * Modules (a sample with ext4, kvm, btrfs, nf_tables, xfs; BTFKIT_ENCODE130_MODULES=N, `all`
 * or names separated by commas), split on the shipped vmlinux BTF: byte-identical to pahole's output, or else equal
 * type by type (kind, name, shape) with one explained difference: pahole 1.30 keeps one FUNC
 * for a name carried by several functions at different addresses (two static functions in
 * two files), which btfkit leaves out as pahole ≥ 1.31 does (which one would the FUNC
 * describe?), and, in a handful of modules (sunrpc and its users, libnvdimm: all 4,022 with
 * BTFKIT_ENCODE130_MODULES=all), module copies of base types that pahole's libbpf 1.5 keeps
 * and btfkit's dedup folds into the base (TYPEDEF deduplicated in the struct phase, as libbpf
 * does since Nov 2025): for those, btfkit's legacy dedup (libbpf 1.5's rules) must give
 * pahole's output, and the default one fewer types. Nothing else may differ (string order included:
 * pahole interns a unit's parameter names when it saves its functions, and btfkit's dedup is
 * told so).
 *
 * vmlinux (through the CLI): the same comparison type by type, every kind count equal but
 * FUNC/FUNC_PROTO, and pahole's extra FUNCs all of names at several addresses.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseElf } from '../../src/elf/elf.js';
import { readSymbols, STT_FUNC } from '../../src/elf/symbols.js';
import { readElfForDebugInfo } from '../../src/node/elf-read.js';
import { encodeBtf } from '../../src/ops/encode/encode.js';
import { DEFAULT_FEATURES } from '../../src/ops/encode/features.js';
import { Btf } from '../../src/wire/btf.js';
import { Kind } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { baseSignatures, compareEncoded } from './encode-compare.js';
import { btfkit, CORPUS, need } from './env.js';

const BUILD = '6.1.0-50-amd64';
const DBG = join(CORPUS, `${BUILD}-dbg`);
const SHIPPED = join(CORPUS, BUILD);
const PAHOLE = process.env.PAHOLE_130 ?? join(CORPUS, 'pahole-1.30', 'pahole');
const ready = (): boolean => existsSync(join(DBG, '.done')) && existsSync(join(SHIPPED, 'vmlinux.btf'));
const havePahole = (): boolean => existsSync(PAHOLE);

/** pahole 1.30 -J -j1 with the default features; `base` for split BTF. Raw BTF bytes. */
function pahole130(file: string, dir: string, base?: string): Buffer {
  // pahole writes nothing into its input with --btf_encode_detached, but it opens it
  // read-write in some versions: give it a copy.
  const copy = join(dir, 'input');
  copyFileSync(file, copy);
  const out = join(dir, 'pahole.btf');
  const args = ['-J', '-j1', '--btf_features=default', ...(base ? ['--btf_base', base] : []), '--btf_encode_detached', out, copy];
  const r = spawnSync(PAHOLE, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`pahole ${args.join(' ')}: ${r.stderr}`);
  const bytes = readFileSync(out);
  rmSync(copy);
  rmSync(out);
  return bytes;
}

/** Names of STT_FUNC symbols found at more than one address. */
function ambiguousNames(elfBytes: Uint8Array): Set<string> {
  const symbols = readSymbols(parseElf(elfBytes));
  const at = new Map<string, Set<bigint>>();
  if (!symbols) return new Set();
  for (let i = 0; i < symbols.count; i++) {
    if (symbols.type(i) !== STT_FUNC) continue;
    const name = symbols.name(i);
    const set = at.get(name) ?? new Set<bigint>();
    set.add(symbols.value[i]!);
    at.set(name, set);
  }
  return new Set([...at].filter(([, s]) => s.size > 1).map(([n]) => n));
}

function sample(): string[] {
  const all = readdirSync(join(DBG, 'modules'))
    .filter((f) => f.endsWith('.ko'))
    .map((f) => f.slice(0, -3))
    .sort();
  const want = process.env.BTFKIT_ENCODE130_MODULES ?? '20';
  if (want === 'all') return all;
  if (/[a-z]/.test(want)) return want.split(',').filter((m) => all.includes(m));
  const n = Math.max(1, Number(want));
  const picked = new Set(['ext4', 'kvm', 'btrfs', 'nf_tables', 'xfs'].filter((m) => all.includes(m)));
  const step = Math.max(1, Math.floor(all.length / n));
  for (let i = 0; i < all.length && picked.size < n; i += step) picked.add(all[i]!);
  return [...picked].sort();
}

test('modules of 6.1.0-50 encoded with the default features: byte-identical to pahole 1.30 -j1, or equal type by type apart from names at several addresses', async (t) => {
  if (!need(t, ready(), `${DBG} (scripts/fetch-debian-dbg.sh) and ${SHIPPED}`) || !need(t, havePahole(), `${PAHOLE} (scripts/fetch-pahole-trixie.sh)`)) return;
  const basePath = join(SHIPPED, 'vmlinux.btf');
  const base = Btf.parse(readFileSync(basePath));
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-encode130-'));
  const identical: string[] = [];
  /** Equal type by type, and pahole kept FUNCs for names at several addresses. */
  const ambiguousOnly: string[] = [];
  /** Equal but for pahole's module copies of types the base has (and such FUNCs). */
  const baseCopies: string[] = [];
  /** The same, but pahole's copies reach a module struct that is a FWD in the base. */
  const foldedWithFwd: string[] = [];
  let inBase: Set<string> | undefined;
  const failures: string[] = [];
  try {
    for (const name of sample()) {
      const file = join(DBG, 'modules', `${name}.ko`);
      const bytes = readFileSync(file);
      const ours = (await encodeBtf(bytes, { base, features: DEFAULT_FEATURES, file })).btf;
      const theirs = pahole130(file, dir, basePath);
      if (Buffer.from(writeBtf(ours)).equals(theirs)) {
        identical.push(name);
        continue;
      }
      const ambiguous = ambiguousNames(bytes);
      const reference = Btf.parse(theirs, { base, file: `pahole 1.30 on ${name}` });
      const c = compareEncoded(ours, reference, 5, undefined, ambiguous);
      if (c.equal) {
        if (ours.nextId === reference.nextId) failures.push(`${name}: the same types, but not byte for byte`);
        else ambiguousOnly.push(name);
        continue;
      }
      // libbpf 1.5 (pahole 1.30's) dedups TYPEDEF as a reference type, after the structs;
      // btfkit (libbpf since Nov 2025) in the struct phase, in id order. A typedef in a cycle
      // through a struct is then checked against its base namesake before the struct: when
      // that check meets a base FWD for a module struct, it fails (the base cannot change) but
      // still points the base FWD at the module struct, so the struct checked next is equal to
      // its base namesake and folded into the base, where libbpf 1.5, checking the struct
      // first, kept a module copy (libnvdimm: struct nvdimm_bus_descriptor, whose ndctl_fn
      // typedef reaches `struct nvdimm`, a FWD in vmlinux). The difference must be that rule
      // and nothing else: btfkit's legacy dedup (TYPEDEF as a reference type) gives pahole's
      // output, and btfkit's own has fewer types.
      const legacy = (await encodeBtf(bytes, { base, features: DEFAULT_FEATURES, file, legacyDedup: true })).btf;
      const sameAsLegacy = Buffer.from(writeBtf(legacy)).equals(theirs) || compareEncoded(legacy, reference, 5, undefined, ambiguous).equal;
      if (!sameAsLegacy) failures.push(`${name}: ${c.problems.join('; ')}`);
      else if (ours.nextId >= legacy.nextId) failures.push(`${name}: as pahole 1.30 with the legacy dedup, but the default dedup folds nothing into the base (${ours.nextId} >= ${legacy.nextId})`);
      else {
        // sunrpc and its users: the module copies are base types, shape for shape.
        inBase ??= baseSignatures(base);
        (compareEncoded(ours, reference, 5, undefined, ambiguous, inBase).equal ? baseCopies : foldedWithFwd).push(name);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(
    `${identical.length} byte-identical; ${ambiguousOnly.length} equal but for pahole 1.30's FUNCs of names at several addresses (${ambiguousOnly.join(', ')}); ${baseCopies.length} equal but for module copies of base types pahole's libbpf 1.5 keeps (${baseCopies.join(', ')}); ${foldedWithFwd.length} equal but for module copies libbpf 1.5 keeps of base types with a FWD where the module has the struct (${foldedWithFwd.join(', ')}); ${failures.length} different`,
  );
  assert.deepEqual(failures, []);
  assert.ok(identical.length > 0, 'no module byte-identical to pahole 1.30');
});

test('vmlinux of 6.1.0-50 encoded with the default features: the types, FUNCs and per-CPU variables of pahole 1.30 -j1, but for FUNCs of names at several addresses', async (t) => {
  if (!need(t, ready(), `${DBG} (scripts/fetch-debian-dbg.sh)`) || !need(t, havePahole(), `${PAHOLE} (scripts/fetch-pahole-trixie.sh)`)) return;
  const vmlinux = join(DBG, 'vmlinux');
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-encode130-vmlinux-'));
  try {
    const ours = join(dir, 'vmlinux.btf');
    const r = btfkit(['encode', vmlinux, '-o', ours]);
    assert.equal(r.status, 0, r.stderr);
    const out = join(dir, 'pahole.btf');
    // Detached output leaves the input alone: no copy of the 631 MB file.
    const p = spawnSync(PAHOLE, ['-J', '-j1', '--btf_features=default', '--btf_encode_detached', out, vmlinux], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    const a = Btf.parse(readFileSync(ours));
    const b = Btf.parse(readFileSync(out));
    // Symbols without the rest of the 631 MB file (sparse read, as the CLI does).
    const ambiguous = ambiguousNames(await readElfForDebugInfo(vmlinux));
    const c = compareEncoded(a, b, 20, undefined, ambiguous);
    assert.ok(c.equal, c.problems.join('\n'));
    // Every kind but FUNC and FUNC_PROTO in the same numbers; pahole's extra FUNCs are all of ambiguous names.
    for (const kind of Object.keys(c.kindsRef)) if (kind !== 'FUNC' && kind !== 'FUNC_PROTO') assert.equal(c.kindsOurs[kind], c.kindsRef[kind], kind);
    let extra = 0;
    const ourFuncs = new Set<string>();
    for (let id = 1; id < a.nextId; id++) if (a.kind(id) === Kind.FUNC) ourFuncs.add(a.name(id));
    for (let id = 1; id < b.nextId; id++) if (b.kind(id) === Kind.FUNC && !ourFuncs.has(b.name(id))) extra++;
    assert.equal(c.kindsOurs.FUNC! + extra, c.kindsRef.FUNC);
    t.diagnostic(`vmlinux: ${a.typeCount} types, ${c.kindsOurs.FUNC} FUNCs (pahole 1.30: ${b.typeCount} types, ${c.kindsRef.FUNC} FUNCs, of which ${extra} for names at several addresses), ${c.kindsOurs.VAR} VARs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--distilled-base on the default features: .BTF and .BTF.base byte-identical to pahole 1.30 --btf_features=default,distilled_base', async (t) => {
  if (!need(t, ready(), `${DBG} (scripts/fetch-debian-dbg.sh)`) || !need(t, havePahole(), `${PAHOLE} (scripts/fetch-pahole-trixie.sh)`)) return;
  const basePath = join(SHIPPED, 'vmlinux.btf');
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-encode130-distilled-'));
  const section = (file: string, name: string): Buffer => {
    const elf = parseElf(readFileSync(file));
    const sec = elf.section(name);
    assert.ok(sec, `${file}: no ${name}`);
    return Buffer.from(elf.sectionData(sec));
  };
  try {
    for (const name of ['lru_cache', 'nf_tables', 'kvm'].filter((m) => existsSync(join(DBG, 'modules', `${m}.ko`)))) {
      const input = join(DBG, 'modules', `${name}.ko`);
      // pahole writes the sections into its input (llvm-objcopy --add-section): a copy.
      const theirs = join(dir, `${name}.pahole.ko`);
      copyFileSync(input, theirs);
      const p = spawnSync(PAHOLE, ['-J', '-j1', '--btf_features=default,distilled_base', '--btf_base', basePath, theirs], { encoding: 'utf8' });
      assert.equal(p.status, 0, p.stderr);
      const ours = join(dir, `${name}.ko`);
      const r = btfkit(['encode', input, '-B', basePath, '--distilled-base', '-o', ours]);
      assert.equal(r.status, 0, r.stderr);
      for (const sec of ['.BTF', '.BTF.base']) assert.ok(section(ours, sec).equals(section(theirs, sec)), `${name}: ${sec} differs from pahole 1.30's`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
