import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coresBusy, isDumpC, reexecWithoutOmg } from '../../src/cli/bun-tiers.js';

describe('the Bun re-execution for format c on a busy machine', () => {
  it('is for dump with --format c in either spelling', () => {
    assert.equal(isDumpC(['dump', '--format', 'c']), true);
    assert.equal(isDumpC(['dump', 'vmlinux', '--format=c', '--unsorted']), true);
  });

  it('is not for other formats, other commands, or a file named c', () => {
    assert.equal(isDumpC(['dump']), false);
    assert.equal(isDumpC(['dump', '--format', 'raw', 'c']), false);
    assert.equal(isDumpC(['dump', '--format']), false);
    assert.equal(isDumpC(['info', '--format', 'c']), false);
    assert.equal(isDumpC([]), false);
  });

  it('is for a machine with no core left for the compiler thread', () => {
    assert.equal(coresBusy(0.3, 2), false);
    assert.equal(coresBusy(1, 2), true);
    assert.equal(coresBusy(4.5, 2), true);
    assert.equal(coresBusy(2, 8), false);
    assert.equal(coresBusy(0, 1), true);
  });

  it('leaves the process as it is under Node, and under Bun where BUN_JSC_useOMGJIT is set', () => {
    // Under Bun (npm run test:bun) the variable is the user's choice, which it honours;
    // under Node the call returns whatever the machine's load.
    const underBun = process.versions.bun !== undefined;
    const before = process.env.BUN_JSC_useOMGJIT;
    if (underBun) process.env.BUN_JSC_useOMGJIT = '1';
    try {
      const pid = process.pid;
      reexecWithoutOmg(['dump', '--format', 'c']);
      assert.equal(process.pid, pid);
    } finally {
      if (underBun) {
        if (before === undefined) delete process.env.BUN_JSC_useOMGJIT;
        else process.env.BUN_JSC_useOMGJIT = before;
      }
    }
  });
});
