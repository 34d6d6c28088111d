/**
 * A module read into a walk core's memory, relocated and walked there (walk-core.ts
 * walkCoreInput, as `btfkit encode` reads a .ko), against the same module from bytes of its
 * own (its sections copied into a fresh core): byte-identical BTF, the input as read, for a
 * spread sample of Debian 6.1.0-50's -dbg modules (BTFKIT_ENCODE_MODULES: how many, or all).
 */

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readElfForDebugInfo } from '../../src/node/elf-read.js';
import { encodeBtf } from '../../src/ops/encode/encode.js';
import { parseFeatures } from '../../src/ops/encode/features.js';
import { walkCoreInput } from '../../src/ops/encode/walk-core.js';
import { Btf } from '../../src/wire/btf.js';
import { writeBtf } from '../../src/wire/write.js';
import { walkersMade } from '../encode/walkers-made.js';
import { CORPUS, need } from './env.js';

const BUILD = '6.1.0-50-amd64';
const DBG = join(CORPUS, `${BUILD}-dbg`);
const SHIPPED = join(CORPUS, BUILD);

/** Every n-th module (BTFKIT_ENCODE_MODULES: about how many, or all) and a few big ones. */
function sampleModules(): string[] {
  const all = readdirSync(join(DBG, 'modules')).filter((f) => f.endsWith('.ko')).map((f) => f.slice(0, -3)).sort();
  const want = process.env.BTFKIT_ENCODE_MODULES ?? '40';
  const step = want === 'all' ? 1 : Math.max(1, Math.floor(all.length / Math.max(1, Number(want))));
  return all.filter((m, i) => i % step === 0 || ['ext4', 'kvm', 'xfs', 'btrfs', 'nf_tables', 'e1000e', 'crc7'].includes(m));
}

test('modules of 6.1.0-50 read into a walk core and walked there: the same BTF as from bytes of their own, the input as read', async (t) => {
  if (!need(t, existsSync(join(DBG, '.done')) && existsSync(join(SHIPPED, 'vmlinux.btf')), `${DBG} and ${SHIPPED}`)) return;
  const base = Btf.parse(readFileSync(join(SHIPPED, 'vmlinux.btf')));
  const features = parseFeatures('pahole-1.24');
  const walkers = walkersMade();
  const names = sampleModules();
  const differ: string[] = [];
  let inPlace = 0;
  try {
    for (const name of names) {
      const file = join(DBG, 'modules', `${name}.ko`);
      const own = readFileSync(file);
      const read = await readElfForDebugInfo(file, { allocate: (n) => walkCoreInput(n) });
      walkers.made.length = 0;
      const there = Buffer.from(writeBtf((await encodeBtf(read, { base, features, file, legacyDedup: true })).btf));
      if (walkers.made[0] === true) inPlace++;
      const copied = Buffer.from(writeBtf((await encodeBtf(own, { base, features, file, legacyDedup: true })).btf));
      if (!there.equals(copied)) differ.push(name);
      assert.ok(Buffer.from(read).equals(own), `${name}: the input as read`);
    }
  } finally {
    walkers.done();
  }
  t.diagnostic(`${names.length} modules, ${inPlace} walked where they were read, ${differ.length} differ`);
  assert.deepEqual(differ, []);
  assert.equal(inPlace, names.length, 'every module walked where it was read');
});
