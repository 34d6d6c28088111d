import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ExploreServer, startExploreServer } from '../../src/node/explore-server.js';

/** A GET with full control of the Host header and path (no URL normalisation). */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('explore server', () => {
  const web = mkdtempSync(join(tmpdir(), 'btfkit-web-'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(web, 'app.js'), 'void 0;');
  writeFileSync(join(web, 'app.css'), 'body{}');
  writeFileSync(join(web, 'secret.txt'), 'not an asset');
  let srv: ExploreServer;
  let port: number;
  const token = 'a'.repeat(32);
  before(async () => {
    srv = await startExploreServer({ files: [{ name: 'one.btf', bytes: new Uint8Array([1, 2, 3]) }, { name: 'mod.btf', bytes: new Uint8Array([4]), base: 0 }], webRoot: web, token });
    port = Number(srv.host.split(':')[1]);
  });
  after(() => srv.close());

  it('listens on 127.0.0.1 and prints a URL with the token', () => {
    assert.equal(srv.server.address() && (srv.server.address() as { address: string }).address, '127.0.0.1');
    assert.equal(srv.url, `http://127.0.0.1:${port}/${token}/`);
  });
  it('serves the app, the file list and files by index', async () => {
    assert.equal((await get(port, `/${token}/`, srv.host)).body, '<!doctype html><title>t</title>');
    assert.deepEqual(JSON.parse((await get(port, `/${token}/files`, srv.host)).body), [{ name: 'one.btf', size: 3 }, { name: 'mod.btf', size: 1, base: 0 }]);
    const f = await get(port, `/${token}/files/0`, srv.host);
    assert.equal(f.status, 200);
    assert.deepEqual([...Buffer.from(f.body, 'latin1')], [1, 2, 3]);
  });
  it('refuses a Host that is not the printed loopback address (DNS rebinding)', async () => {
    for (const host of ['evil.example:' + port, 'localhost:' + port, '127.0.0.1', '127.0.0.1:1']) {
      assert.equal((await get(port, `/${token}/files/0`, host)).status, 421, host);
    }
  });
  it('refuses requests without the token or with a wrong one', async () => {
    assert.equal((await get(port, '/files/0', srv.host)).status, 403);
    assert.equal((await get(port, `/${'b'.repeat(32)}/files/0`, srv.host)).status, 403);
    assert.equal((await get(port, `/${token.slice(1)}/`, srv.host)).status, 403);
    assert.equal((await get(port, '/', srv.host)).status, 403);
  });
  it('serves no path taken from a request: other files, traversal and out-of-range indexes are 404', async () => {
    for (const p of ['secret.txt', '../../../etc/passwd', '..%2f..%2fetc%2fpasswd', 'files/2', 'files/-1', 'files/0/../1', 'index.html/../secret.txt', '%2e%2e/secret.txt']) {
      const r = await get(port, `/${token}/${p}`, srv.host);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(r.body, /not an asset|root:/);
    }
  });
  it('answers only GET', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/${token}/files/0`, method: 'POST', headers: { Host: srv.host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 405);
  });
});
