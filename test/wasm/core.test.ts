import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEDUP_CORE_WASM } from '../../src/ops/dedup-core-wasm.js';
import { WALK_CORE_WASM } from '../../src/ops/encode/walk-core-wasm.js';
import { decodeBase64 } from '../../src/wasm/core.js';
import { BTF_CORE_WASM } from '../../src/wire/btf-core-wasm.js';

describe('the cores as shipped (base64)', () => {
  it('decode to the same bytes natively (Node: Buffer) and by atob where a runtime has no native decoder (browsers)', () => {
    for (const base64 of [WALK_CORE_WASM, DEDUP_CORE_WASM, BTF_CORE_WASM, 'AGFzbQ==', 'AA', '']) {
      const native = decodeBase64(base64);
      const fallback = decodeBase64(base64, null);
      assert.deepEqual(Uint8Array.from(native), Uint8Array.from(fallback));
      assert.deepEqual(Uint8Array.from(native), Uint8Array.from(Buffer.from(base64, 'base64')));
    }
    // A core decodes to a WebAssembly module (magic and version first).
    assert.deepEqual([...decodeBase64(WALK_CORE_WASM).subarray(0, 8)], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  });
});
