import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDumpC, reexecWithoutOmg } from '../../src/cli/bun-tiers.js';

describe('the Bun re-execution for format c', () => {
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

  it('leaves a Node process as it is', () => {
    // The unit tests run under Node: the call returns, and the test goes on in this process.
    const pid = process.pid;
    reexecWithoutOmg(['dump', '--format', 'c']);
    assert.equal(process.pid, pid);
  });
});
