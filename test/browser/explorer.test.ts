/**
 * The explorer in headless Chromium (Debian's chromium, playwright-core): search, type page
 * (its layout rows equal `btfkit layout -C`), following a member type, used-by, the split
 * boundary of a module on its base, the struct device change between two kernels, deep
 * links, and the server's refusals as a browser meets them. Run by `npm run test:browser`
 * (after `npm run build:web`), not by `npm test`: the unit suite runs with Node alone.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../helpers.js';
import { btfkit, CORPUS, corpusBuilds, need, sharedPath } from '../conformance/env.js';
import { hasChromium, launch, serve } from './chromium.js';
import type { ExploreServer } from '../../src/node/explore-server.js';

const FIXTURE = sharedPath('fixtures', 'vmlinux-6.18.btf.gz');
const builds = corpusBuilds().filter((b) => existsSync(join(CORPUS, b, 'vmlinux.btf')));

/** Text of the layout rows on the page, one per line, as pahole prints them. */
const layoutText = (page: Page): Promise<string> => page.$$eval('#layout .ln', (rows) => rows.map((r) => r.textContent ?? '').join('\n') + '\n');
const h1 = (page: Page): Promise<string> => page.textContent('h1').then((t) => t ?? '');

describe('explorer in Chromium', () => {
  let browser: Browser | undefined;
  const servers: ExploreServer[] = [];
  before(async () => {
    if (hasChromium()) browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });
  const open = async (paths: Parameters<typeof serve>[0]): Promise<{ page: Page; srv: ExploreServer }> => {
    const srv = await serve(paths);
    servers.push(srv);
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    return { page, srv };
  };

  it('searches task_st, opens task_struct, and shows the rows btfkit layout -C prints', async (t) => {
    if (!need(t, hasChromium(), 'chromium (Debian package chromium)') || !need(t, existsSync(FIXTURE), FIXTURE)) return;
    const { page, srv } = await open([{ path: FIXTURE }]);
    await page.goto(srv.url);
    await page.waitForFunction(() => (window as unknown as { __explorer: { searches: number } }).__explorer.searches > 0);
    await page.fill('#q', 'task_st');
    const row = page.locator('.vlist .row', { hasText: /^struct\s*task_struct$/ });
    await row.first().click();
    await page.waitForSelector('#layout');
    assert.match(await h1(page), /struct\s+task_struct/);
    const cli = btfkit(['layout', '-C', 'task_struct', FIXTURE]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(await layoutText(page), cli.stdout.replace(/;\n$/, ';\n'));
    // Holes and cachelines are marked.
    assert.ok((await page.$$('#layout .ln.hole')).length > 0);
    assert.ok((await page.$$('#layout .ln.cacheline')).length > 0);

    // Follow a member's type: thread_info.
    await page.click('#layout .ln a.mtype >> text=struct thread_info');
    await page.waitForFunction(() => /thread_info/.test(document.querySelector('h1')?.textContent ?? ''));
    assert.match(await h1(page), /struct\s+thread_info/);
    assert.match(page.url(), /#\/id\/0\/\d+$/);
  });

  it('lists known users under "used by" (by value and through pointers)', async (t) => {
    if (!need(t, hasChromium(), 'chromium') || !need(t, existsSync(FIXTURE), FIXTURE)) return;
    const { page, srv } = await open([{ path: FIXTURE }]);
    await page.goto(srv.url + '#/type/sched_entity');
    await page.waitForSelector('#usedby');
    const users = (): Promise<string[]> => page.$$eval('#usedby li', (li) => li.map((x) => x.textContent ?? ''));
    assert.ok((await users()).includes('structtask_struct.se'), (await users()).join(' | '));
    await page.goto(srv.url + '#/type/mm_struct');
    await page.waitForFunction(() => /mm_struct/.test(document.querySelector('h1')?.textContent ?? '') && document.querySelector('#usedby') !== null);
    assert.ok((await users()).includes('structtask_struct.mm*'), (await users()).join(' | '));
  });

  it('opens the page a deep link names', async (t) => {
    if (!need(t, hasChromium(), 'chromium') || !need(t, existsSync(FIXTURE), FIXTURE)) return;
    const { page, srv } = await open([{ path: FIXTURE }]);
    await page.goto(srv.url + '#/type/sk_buff');
    await page.waitForSelector('#layout');
    assert.match(await h1(page), /struct\s+sk_buff/);
    await page.goto(srv.url + '#/where/task_struct.mm');
    await page.waitForSelector('#where');
    assert.match((await page.textContent('#where')) ?? '', /yes/);
  });

  it('shows the split boundary: module types and base types of a module loaded on its vmlinux', async (t) => {
    if (!need(t, hasChromium(), 'chromium') || !need(t, builds.length > 0, `a corpus build in ${CORPUS}`)) return;
    const dir = join(CORPUS, builds[0]!);
    const mod = join(dir, 'mods', 'e1000e.btf');
    if (!need(t, existsSync(mod), mod)) return;
    const { page, srv } = await open([{ path: join(dir, 'vmlinux.btf'), name: 'vmlinux' }, { path: mod, base: 0 }]);
    await page.goto(srv.url + '#/type/e1000_adapter@1');
    await page.waitForSelector('#owner');
    assert.equal(await page.getAttribute('#owner', 'data-side'), 'module');
    await page.click('#layout a.mtype >> text=struct timer_list');
    await page.waitForFunction(() => /timer_list/.test(document.querySelector('h1')?.textContent ?? ''));
    assert.equal(await page.getAttribute('#owner', 'data-side'), 'base');
    assert.match((await page.textContent('#owner')) ?? '', /vmlinux/);
  });

  it("shows struct device's change between two kernels", async (t) => {
    if (!need(t, hasChromium(), 'chromium') || !need(t, builds.length >= 2, `two corpus builds in ${CORPUS}`)) return;
    const { page, srv } = await open(builds.slice(0, 2).map((b) => ({ path: join(CORPUS, b, 'vmlinux.btf'), name: b })));
    await page.goto(srv.url + '#/diff/0/1/struct/device');
    await page.waitForSelector('#change', { timeout: 60_000 });
    assert.match((await page.textContent('#change')) ?? '', /device: changed, size 744 → 752/);
    assert.ok((await page.$$('.side .layout')).length === 2, 'both layouts side by side');
  });

  it('static build: a picked file (gzipped) is read in the browser, from file://', async (t) => {
    if (!need(t, hasChromium(), 'chromium') || !need(t, existsSync(FIXTURE), FIXTURE)) return;
    const page = await browser!.newPage();
    await page.goto(pathToFileURL(join(REPO_ROOT, 'dist-web', 'index.html')).href + '#/type/task_struct');
    await page.setInputFiles('#pick', FIXTURE);
    await page.waitForSelector('#layout', { timeout: 30_000 });
    assert.match(await h1(page), /struct\s+task_struct/);
  });

  it('meets the server refusals: no token, wrong token, wrong Host', async (t) => {
    if (!need(t, hasChromium(), 'chromium') || !need(t, existsSync(FIXTURE), FIXTURE)) return;
    const { page, srv } = await open([{ path: FIXTURE }]);
    const origin = `http://${srv.host}`;
    assert.equal((await page.goto(`${origin}/`))?.status(), 403);
    assert.equal((await page.goto(`${origin}/${'0'.repeat(32)}/`))?.status(), 403);
    assert.equal((await page.goto(srv.url.replace('127.0.0.1', 'localhost')))?.status(), 421);
    assert.equal((await page.goto(`${srv.url}files/9`))?.status(), 404);
    assert.equal((await page.goto(srv.url))?.status(), 200);
  });
});
