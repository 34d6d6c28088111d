/**
 * `btfkit where` against pahole on four kernels (Debian 6.1.0-47 and -50, 6.18, 7.1): for a
 * table of member paths (top-level, inside anonymous unions, through embedded structs,
 * bitfields), present where pahole prints the member, at the offset and size pahole prints;
 * and for real renames (6.1.0-47 → -50 padata_instance, 6.18 → 7.1 page and worker_pool), the
 * guessed new name is the member pahole prints at that offset in the newer kernel.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { WhereResult } from '../../src/ops/where.js';
import { REPO_ROOT } from '../helpers.js';
import { btfkit, CORPUS, gunzipFixture, hasTool, need, sharedPath } from './env.js';
import { type PaholeLayout, paholeText, parsePahole } from './pahole-layout.js';

const ROW = /^(.*?)\s*\/\*\s*(\d+)(?::\s*(\d+))?\s+(\d+)\s*\*\/$/;

/** Where pahole puts `path` in `type`: absolute bit offset and size, following embedded structs. */
function paholeWhere(layouts: Map<string, PaholeLayout[]>, type: string, path: readonly string[]): { bits: number; size: number } | undefined {
  let block = (layouts.get(`struct ${type}`) ?? layouts.get(`union ${type}`))?.[0];
  let base = 0;
  for (let k = 0; k < path.length && block; k++) {
    const step = path[k]!;
    let found: { bits: number; size: number; decl: string } | undefined;
    for (const m of block.members) {
      for (const line of m.text.split('\n')) {
        const row = ROW.exec(line.trim());
        if (!row) continue;
        const decl = row[1]!.replace(/\s*__attribute__\(\(.*?\)\)/, '');
        const name = /\(\s*\*\s*([A-Za-z_]\w*)\s*\)\s*\(/.exec(decl)?.[1] ?? /([A-Za-z_]\w*)(\[[^\]]*\])*(:\d+)?;$/.exec(decl)?.[1] ?? /^\}\s*([A-Za-z_]\w*)/.exec(decl)?.[1];
        if (name === step) found = { bits: Number(row[2]) * 8 + Number(row[3] ?? 0), size: Number(row[4]), decl };
      }
      if (found) break;
    }
    if (!found) return undefined;
    base += found.bits;
    if (k === path.length - 1) return { bits: base, size: found.size };
    const next = /^(struct|union) (\w+)\s+\w+;$/.exec(found.decl.replace(/\s+/g, ' '));
    block = next ? layouts.get(`${next[1]} ${next[2]}`)?.[0] : undefined;
  }
  return undefined;
}

/** The member pahole prints in `type` at `bits` (top level or inside an anonymous member). */
function paholeNameAt(layouts: Map<string, PaholeLayout[]>, type: string, bits: number): string[] {
  const block = layouts.get(`struct ${type}`)?.[0];
  const names: string[] = [];
  for (const m of block?.members ?? []) {
    for (const line of m.text.split('\n')) {
      const row = ROW.exec(line.trim());
      if (!row || Number(row[2]) * 8 + Number(row[3] ?? 0) !== bits) continue;
      const n = /([A-Za-z_]\w*)(\[[^\]]*\])*(:\d+)?;$/.exec(row[1]!)?.[1];
      if (n) names.push(n);
    }
  }
  return names;
}

const NAMES = ['6.1.0-47', '6.1.0-50', '6.18', '7.1'];

const QUERIES = [
  'task_struct.pid',
  'task_struct.in_execve',
  'task_struct.se.vruntime',
  'sk_buff.len',
  'device.flags',
  'device.kobj.name',
  'page.compound_head',
  'padata_instance.cpu_online_node',
  'worker_pool.watchdog_ts',
  'bpf_reg_state.off',
];

describe('btfkit where agrees with pahole', () => {
  it('offsets and sizes on four kernels, renames guessed as pahole shows them', (t: TestContext) => {
    const k47 = join(CORPUS, '6.1.0-47-amd64', 'vmlinux.btf');
    const k50 = join(CORPUS, '6.1.0-50-amd64', 'vmlinux.btf');
    const src618 = sharedPath('fixtures', 'vmlinux-6.18.btf.gz');
    if (!need(t, existsSync(k47) && existsSync(k50), 'Debian 6.1.0-47/-50 corpus') || !need(t, existsSync(src618), 'vmlinux-6.18.btf.gz') || !need(t, hasTool('pahole'), 'pahole')) return;
    const kernels = [k47, k50, gunzipFixture(src618, 'vmlinux-6.18.btf'), gunzipFixture(join(REPO_ROOT, 'fixtures', 'third-party', 'vmlinux-7.1.btf.gz'), 'vmlinux-7.1.btf')];
    const pahole = kernels.map((k) => parsePahole(paholeText(k)));
    let present = 0;
    let absent = 0;
    const renames: string[] = [];
    for (const q of QUERIES) {
      const r = btfkit(['where', q, ...kernels, '--json']);
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      const results = JSON.parse(r.stdout) as WhereResult[];
      assert.equal(results.length, kernels.length);
      const [type, ...path] = q.split('.') as [string, ...string[]];
      results.forEach((res, k) => {
        const want = paholeWhere(pahole[k]!, type, path);
        assert.equal(res.present, want !== undefined, `${q} in ${kernels[k]}`);
        if (!want) {
          absent++;
          if (res.likely_renamed_to) {
            // The guessed member is the one pahole prints at the offset another kernel has q at.
            const at = results.find((x) => x.present)!.offset_bits!;
            assert.ok(paholeNameAt(pahole[k]!, type, at).includes(res.likely_renamed_to), `${q} → ${res.likely_renamed_to} in ${kernels[k]}`);
            renames.push(`${q} → ${res.likely_renamed_to} in ${NAMES[k]}`);
          }
          return;
        }
        present++;
        assert.equal(res.offset_bits, want.bits, `offset of ${q} in ${kernels[k]}`);
        assert.equal(res.size, want.size, `size of ${q} in ${kernels[k]}`);
      });
    }
    assert.deepEqual(renames.sort(), [
      'bpf_reg_state.off → delta in 7.1',
      'padata_instance.cpu_online_node → cpuhp_node in 6.1.0-50',
      'padata_instance.cpu_online_node → cpuhp_node in 6.18',
      'padata_instance.cpu_online_node → cpuhp_node in 7.1',
      'page.compound_head → compound_info in 7.1',
      'worker_pool.watchdog_ts → last_progress_ts in 7.1',
    ]);
    t.diagnostic(`${present} present and ${absent} absent (query, kernel) pairs agree with pahole`);
  });
});
