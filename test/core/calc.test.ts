import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bitfieldLoad, lshiftU64 } from '../../src/ops/core/calc.js';
import { CoreError } from '../../src/ops/core/types.js';

describe('CO-RE bitfield values', () => {
  const shifts = (bitOffset: number, bitSize: number, intSize: number): { load: { byteOffset: number; byteSize: number }; le: number; be: number; rshift: number } => {
    const load = bitfieldLoad(bitOffset, bitSize, intSize);
    const l = { ...load, bitOffset, bitSize };
    return { load, le: lshiftU64(l, 'little'), be: lshiftU64(l, 'big'), rshift: 64 - bitSize };
  };
  it('one bit inside an aligned unsigned int', () => {
    // task_struct.in_execve in vmlinux 7.1: bit 19715, 1 bit, unsigned int
    assert.deepEqual(shifts(19715, 1, 4), { load: { byteOffset: 2464, byteSize: 4 }, le: 60, be: 35, rshift: 63 });
    assert.deepEqual(shifts(19680, 1, 4), { load: { byteOffset: 2460, byteSize: 4 }, le: 63, be: 32, rshift: 63 });
  });
  it('widens the load until the field fits', () => {
    // 4 bits at bit 30 of a 4-byte int straddle the int: an 8-byte load from 0
    assert.deepEqual(shifts(30, 4, 4), { load: { byteOffset: 0, byteSize: 8 }, le: 30, be: 30, rshift: 60 });
    // 3 bits at bit 14 of a u8 field: 1 and 2 bytes are too small, 4 fit
    assert.deepEqual(shifts(14, 3, 1), { load: { byteOffset: 0, byteSize: 4 }, le: 47, be: 46, rshift: 61 });
  });
  it('full 64-bit field', () => {
    assert.deepEqual(shifts(64, 64, 8), { load: { byteOffset: 8, byteSize: 8 }, le: 0, be: 0, rshift: 0 });
  });
  it('refuses a field no 64-bit load covers', () => {
    assert.throws(() => bitfieldLoad(60, 8, 8), (e: unknown) => e instanceof CoreError && e.errno === 'E2BIG');
  });
});
