/**
 * `btfkit diff` against pahole (dwarves), an independent reader of the same BTF: for two
 * kernel pairs, the struct/union names whose pahole layout differs are exactly the ones the
 * diff reports as changed, the member entries of each are exactly the named top-level
 * members whose pahole rows differ, and the added/removed sets agree. See pahole-layout.ts
 * for how pahole rows map to members.
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { type AbiDiffReport, type AbiTypeChange, diffBtf } from '../../src/ops/abi-diff.js';
import { Btf } from '../../src/wire/btf.js';
import { Kind } from '../../src/wire/kinds.js';
import { REPO_ROOT } from '../helpers.js';
import { btfkit, CORPUS, hasTool, gunzipFixture, need, sharedPath } from './env.js';
import { changedMemberNames, type PaholeLayout, paholeText, parsePahole } from './pahole-layout.js';

interface OracleCounts {
  /** Names unique in both kernels whose layout is compared. */
  compared: number;
  changed: number;
  added: number;
  removed: number;
  /** Changed structs whose member entries were checked. */
  memberChecked: number;
}

function reportedMembers(c: AbiTypeChange): Set<string> {
  const s = new Set<string>();
  for (const m of c.members ?? []) {
    if (m.name !== '') s.add(m.name);
    if (m.old_name !== undefined) s.add(m.old_name);
  }
  return s;
}

/** Compare the report with pahole's view of the same two files; returns the counts. */
function checkAgainstPahole(fileA: string, fileB: string, report: AbiDiffReport): OracleCounts {
  const pa = parsePahole(paholeText(fileA));
  const pb = parsePahole(paholeText(fileB));
  // pahole prints one of several same-named structs; compare names that are unique in the BTF.
  const btfA = Btf.parse(readFileSync(fileA));
  const btfB = Btf.parse(readFileSync(fileB));
  const unique = (btf: Btf, key: string): boolean => {
    const [kind, name] = key.split(' ') as [string, string];
    const k = kind === 'union' ? Kind.UNION : Kind.STRUCT;
    return btf.findByName(name).filter((id) => btf.kind(id) === k).length === 1;
  };
  const byKey = new Map<string, AbiTypeChange>();
  for (const c of report.changes) if (c.kind === 'struct' || c.kind === 'union') byKey.set(`${c.kind} ${c.name}`, c);

  const counts: OracleCounts = { compared: 0, changed: 0, added: 0, removed: 0, memberChecked: 0 };
  const paholeChanged: string[] = [];
  const wrongMembers: string[] = [];
  for (const [key, la] of pa) {
    const lb = pb.get(key);
    if (la.length !== 1 || !lb || lb.length !== 1 || !unique(btfA, key) || !unique(btfB, key)) continue;
    counts.compared++;
    const a = la[0]!;
    const b = lb[0]!;
    if (a.layout === b.layout) continue;
    paholeChanged.push(key);
    const c = byKey.get(key);
    if (c?.status !== 'changed') continue;
    const want = changedMemberNames(a, b);
    const got = reportedMembers(c);
    counts.memberChecked++;
    if ([...want].sort().join(',') !== [...got].sort().join(',')) wrongMembers.push(`${key}: pahole {${[...want].sort()}} diff {${[...got].sort()}}`);
  }
  counts.changed = paholeChanged.length;
  const reportedChanged = report.changes
    .filter((c) => (c.kind === 'struct' || c.kind === 'union') && c.status === 'changed' && !c.kind_change)
    .map((c) => `${c.kind} ${c.name}`)
    .filter((k) => pa.get(k)?.length === 1 && pb.get(k)?.length === 1 && unique(btfA, k) && unique(btfB, k));
  assert.deepEqual([...reportedChanged].sort(), [...paholeChanged].sort(), 'changed struct/union names (unique in both)');
  assert.deepEqual(wrongMembers, [], 'member entries of changed structs');

  // Added and removed: names pahole prints on one side only. pahole does not print forward
  // declarations: a FWD that became a definition counts as added, a bare FWD not at all.
  const onlyIn = (x: Map<string, PaholeLayout[]>, y: Map<string, PaholeLayout[]>): string[] => [...x.keys()].filter((k) => !y.has(k)).sort();
  const paAdded = onlyIn(pb, pa);
  const paRemoved = onlyIn(pa, pb);
  const status = (s: string, from: 'a' | 'b'): string[] =>
    report.changes
      .filter((c) => (c.kind === 'struct' || c.kind === 'union') && ((c.status === s && !c.fwd) || (c.kind_change !== undefined && (from === 'b' ? c.kind_change[0] === 'FWD' : c.kind_change[1] === 'FWD'))))
      .map((c) => `${c.kind} ${c.name}`)
      // By name, as pahole sees it: a second struct of a name both sides have is not a new name.
      .filter((k, i, all) => all.indexOf(k) === i && !(from === 'b' ? pa : pb).has(k))
      .sort();
  assert.deepEqual(status('added', 'b'), paAdded, 'added struct/union names');
  assert.deepEqual(status('removed', 'a'), paRemoved, 'removed struct/union names');
  counts.added = paAdded.length;
  counts.removed = paRemoved.length;
  return counts;
}

const corpusVmlinux = (build: string): string => join(CORPUS, build, 'vmlinux.btf');

describe('btfkit diff agrees with pahole', () => {
  it('Debian 6.1.0-47 → 6.1.0-50 vmlinux: same changed, added and removed structs, same members', (t: TestContext) => {
    const a = corpusVmlinux('6.1.0-47-amd64');
    const b = corpusVmlinux('6.1.0-50-amd64');
    if (!need(t, existsSync(a) && existsSync(b), 'Debian 6.1.0-47/-50 corpus') || !need(t, hasTool('pahole'), 'pahole')) return;
    const r = btfkit(['diff', a, b, '--json']);
    assert.equal(r.status, 12, `exit status: changes, some incompatible (${r.stderr})`);
    const report = JSON.parse(r.stdout) as AbiDiffReport;
    const counts = checkAgainstPahole(a, b, report);
    // Counts on the Debian 6.1.0-47 → -50 pair (stable: both builds are fixed downloads).
    assert.deepEqual(counts, { compared: 7878, changed: 113, added: 2, removed: 0, memberChecked: 113 });
    const device = report.changes.find((c) => c.kind === 'struct' && c.name === 'device')!;
    assert.deepEqual(device.size, [744, 752]);
    assert.deepEqual(device.members?.map((m) => [m.name, m.status, m.b?.offset_bits]), [['flags', 'added', 5952]]);
    const adapter = report.changes.find((c) => c.kind === 'struct' && c.name === 'i2c_adapter')!;
    assert.deepEqual(adapter.cause, { kind: 'struct', name: 'device', via: ['dev'] });
  });

  it('6.18 → 7.1 fixtures: same changed, added and removed structs, same members', (t: TestContext) => {
    const src618 = sharedPath('fixtures', 'vmlinux-6.18.btf.gz');
    if (!need(t, hasTool('pahole'), 'pahole') || !need(t, existsSync(src618), 'shared fixture vmlinux-6.18.btf.gz')) return;
    const a = gunzipFixture(src618, 'vmlinux-6.18.btf');
    const b = gunzipFixture(join(REPO_ROOT, 'fixtures', 'third-party', 'vmlinux-7.1.btf.gz'), 'vmlinux-7.1.btf');
    const report = diffBtf(Btf.parse(readFileSync(a)), Btf.parse(readFileSync(b)));
    const counts = checkAgainstPahole(a, b, report);
    // 6.18 (this machine's kernel) → 7.1 (cilium test data): fixed files, so fixed counts.
    assert.deepEqual(counts, { compared: 6375, changed: 794, added: 1606, removed: 3342, memberChecked: 794 });
  });

  it('a kernel against itself: no changes, exit 0', (t: TestContext) => {
    const a = corpusVmlinux('6.1.0-50-amd64');
    if (!need(t, existsSync(a), 'Debian 6.1.0-50 corpus')) return;
    const r = btfkit(['diff', a, a, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as AbiDiffReport).changes, []);
  });
});
