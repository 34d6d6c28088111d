/**
 * `btfkit layout` against Debian's pahole 1.24 (`pahole -F btf`): byte-identical text for
 * every struct and union of the two corpus vmlinux, the 6.18 and 7.1 fixtures, the running
 * kernel, more than 200 modules of one corpus build read on their base, and `-C` for a table
 * of structs with bitfields, nested anonymous unions, packed and over-aligned members.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { formatPahole, PaholePrinter } from '../../src/format/pahole.js';
import { Btf } from '../../src/wire/btf.js';
import { btfkit, CORPUS, corpusBuilds, hasTool, need, sharedPath } from './env.js';

const pahole = (args: string[]): string => {
  const r = spawnSync('pahole', ['-F', 'btf', ...args], { encoding: 'latin1', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0) throw new Error(`pahole ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
};
const tmp = mkdtempSync(join(tmpdir(), 'btfkit-layout-'));
/** A raw BTF file pahole can read (the fixtures are gzipped). */
const rawFile = (path: string): string => {
  if (!path.endsWith('.gz')) return path;
  const out = join(tmp, path.split('/').pop()!.slice(0, -3));
  if (!existsSync(out)) writeFileSync(out, gunzipSync(readFileSync(path)));
  return out;
};
/** Corpus builds with extracted BTF (vmlinux.btf and mods/). */
const btfBuilds = (): string[] => corpusBuilds().filter((b) => existsSync(join(CORPUS, b, 'vmlinux.btf')) && existsSync(join(CORPUS, b, 'mods')));
const load = (path: string, base?: Btf): Btf => Btf.parse(new Uint8Array(readFileSync(path)), base ? { base } : {});

/** Structs and unions for -C: bitfields, nested anonymous unions/structs, packed, aligned, holes. */
const C_TABLE = [
  'task_struct', 'sk_buff', 'page', 'inode', 'file', 'net_device', 'mm_struct', 'device',
  'desc_ptr', 'orc_entry', 'bvec_iter', 'perf_raw_frag', 'irq_info', 'text_poke_insn',
  'flow_offload_tuple', 'kbd_struct', 'pcie_link_state', 'acpi_device_wakeup_flags',
  'sigval', '__sifields', 'bpf_attr', 'perf_event_attr', 'sched_entity', 'rq', 'list_head',
];

describe('layout is byte-identical to pahole -F btf', () => {
  const vmlinuxes: Array<[string, string]> = [
    ['6.18 fixture', sharedPath('fixtures', 'vmlinux-6.18.btf.gz')],
    ['7.1 fixture', sharedPath('fixtures', 'third-party', 'vmlinux-7.1.btf.gz')],
    ...btfBuilds().map((b): [string, string] => [`corpus ${b}`, join(CORPUS, b, 'vmlinux.btf')]),
  ];
  for (const [label, path] of vmlinuxes) {
    it(`${label}: every struct and union`, (t) => {
      if (!need(t, hasTool('pahole'), 'pahole (Debian package dwarves)')) return;
      if (!need(t, existsSync(path), path)) return;
      const file = rawFile(path);
      const want = pahole([file]);
      const got = formatPahole(load(file)).text;
      t.diagnostic(`${want.match(/^(struct|union) /gm)?.length ?? 0} types, ${want.length} bytes`);
      assert.ok(got === want, `${label}: text differs from pahole`);
    });
  }
  it('corpus builds need to be present', (t) => {
    need(t, btfBuilds().length >= 2, `two corpus builds under ${CORPUS}`);
  });

  it('the running kernel, through the CLI with no file argument', (t) => {
    if (!need(t, hasTool('pahole'), 'pahole')) return;
    if (!need(t, existsSync('/sys/kernel/btf/vmlinux'), '/sys/kernel/btf/vmlinux')) return;
    const peer = spawnSync('pahole', ['-F', 'btf', '/sys/kernel/btf/vmlinux'], { encoding: 'latin1', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
    // A kernel whose BTF pahole 1.24 cannot read, or whose members reach TYPE_TAGs (clang
    // builds; 1.24 prints "<ERROR(function:line)...>" for them), has no oracle here.
    if (peer.status !== 0 || peer.stdout.includes('<ERROR(')) {
      t.skip(`pahole 1.24 cannot read this kernel's BTF (exit ${peer.status})`);
      return;
    }
    const r = btfkit(['layout']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout === peer.stdout, 'btfkit layout differs from pahole on /sys/kernel/btf/vmlinux');
  });

  it('210 modules of one corpus build, each read on its vmlinux (pahole --btf_base)', (t) => {
    if (!need(t, hasTool('pahole'), 'pahole')) return;
    const build = btfBuilds()[0];
    if (!need(t, build !== undefined, 'a corpus build')) return;
    const dir = join(CORPUS, build!);
    const basePath = join(dir, 'vmlinux.btf');
    const base = load(basePath);
    // The base's part once; each module continues from there (PaholePrinter.forSplit), as
    // one pahole run over base then module does. A few modules also take the plain path.
    const printer = new PaholePrinter(base);
    const baseText = [...printer.printedIds()].map((id) => printer.printTopLevel(id)).join('');
    const all = readdirSync(join(dir, 'mods')).filter((f) => f.endsWith('.btf')).sort();
    // An even spread over the alphabet (and so over subsystems), 210 of ~4,000.
    const step = Math.max(1, Math.floor(all.length / 210));
    const mods = all.filter((_, i) => i % step === 0).slice(0, 210);
    const differ: string[] = [];
    mods.forEach((m, i) => {
      const f = join(dir, 'mods', m);
      const split = load(f, base);
      let got: string;
      if (i % 70 === 0) got = formatPahole(split).text;
      else {
        const p = printer.forSplit(split);
        got = baseText + [...p.printedIds(split.startId)].map((id) => p.printTopLevel(id)).join('');
      }
      if (got !== pahole(['--btf_base', basePath, f])) differ.push(m);
    });
    t.diagnostic(`${mods.length - differ.length} of ${mods.length} modules identical`);
    assert.ok(mods.length >= 200, `only ${mods.length} modules`);
    assert.deepEqual(differ, []);
  });

  it('-C for a table of structs, one at a time and all at once', (t) => {
    if (!need(t, hasTool('pahole'), 'pahole')) return;
    const file = rawFile(sharedPath('fixtures', 'vmlinux-6.18.btf.gz'));
    if (!need(t, existsSync(file), file)) return;
    const btf = load(file);
    for (const name of C_TABLE) {
      const want = pahole(['-C', name, file]);
      assert.ok(want.length > 0, `pahole knows no ${name}`);
      assert.ok(formatPahole(btf, [name]).text === want, `-C ${name} differs from pahole`);
    }
    const r = btfkit(['layout', file, '-C', C_TABLE.join(',')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout === pahole(['-C', C_TABLE.join(','), file]), '-C with the whole table differs from pahole');
  });
});
