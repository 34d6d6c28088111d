#!/usr/bin/env node
// `npm run screenshots`: PNGs of the explorer's main views in headless Chromium, written to
// screenshots/ (look at them before saying a view works). Uses the 6.18 fixture and, when
// present, the two Debian corpus builds (diff, split module, relocation).
//   SCREENSHOT_DOCS=1 also refreshes docs/explorer.png, the README's picture.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const { launch, serve } = await import('../dist/test/browser/chromium.js');
const shared = process.env.BTFKIT_SHARED ?? join(process.cwd(), '..', 'shared');
const corpus = process.env.BTF_CORPUS ?? join(homedir(), '.cache', 'btf-corpus');
const fixture = join(shared, 'fixtures', 'vmlinux-6.18.btf.gz');
const [a, b] = ['6.1.0-47-amd64', '6.1.0-50-amd64'].map((x) => join(corpus, x));
const haveCorpus = existsSync(join(a, 'vmlinux.btf')) && existsSync(join(b, 'vmlinux.btf'));
mkdirSync('screenshots', { recursive: true });

const browser = await launch();
const shot = async (srv, hash, file, ready, prepare, viewport = { width: 1280, height: 800 }) => {
  const page = await browser.newPage({ viewport });
  await page.goto(srv.url + hash);
  if (prepare) await prepare(page);
  await page.waitForSelector(ready, { timeout: 60_000 });
  await page.screenshot({ path: `screenshots/${file}` });
  await page.close();
  console.log(`screenshots/${file}`);
};

const one = await serve([{ path: fixture, name: 'vmlinux 6.18' }]);
await shot(one, '#/type/task_struct', 'type-task_struct.png', '#layout', async (p) => {
  await p.waitForFunction(() => window.__explorer?.searches > 0);
  await p.fill('#q', 'task_st');
});
if (process.env.SCREENSHOT_DOCS) {
  // The README's picture: small, the search and a layout with holes and cachelines.
  await shot(one, '#/type/task_struct', 'readme.png', '#layout', async (p) => {
    await p.waitForFunction(() => window.__explorer?.searches > 0);
    await p.fill('#q', 'task_st');
  }, { width: 1000, height: 560 });
}
await shot(one, '#/type/sched_entity', 'used-by.png', '#usedby', async (p) => {
  await p.waitForSelector('#usedby');
  await p.evaluate(() => document.querySelector('#usedby')?.scrollIntoView());
});
await shot(one, '#/type/page', 'nested-unions.png', '#layout');
await one.close();

if (haveCorpus) {
  const two = await serve([
    { path: join(a, 'vmlinux.btf'), name: 'vmlinux 6.1.0-47' },
    { path: join(b, 'vmlinux.btf'), name: 'vmlinux 6.1.0-50' },
    { path: join(a, 'mods', 'e1000e.btf'), name: 'e1000e (6.1.0-47)', base: 0 },
  ]);
  await shot(two, '#/diff/0/1/struct/device', 'diff-device.png', '#change');
  await shot(two, '#/where/device.driver_data', 'where.png', '#where');
  await shot(two, '#/type/e1000_adapter@2', 'split-module.png', '#owner');
  await shot(two, '#/relocate/2/1', 'relocate.png', '#verdict');
  await two.close();
}
await browser.close();
if (process.env.SCREENSHOT_DOCS) copyFileSync('screenshots/readme.png', 'docs/explorer.png');
