/**
 * Issue 11 figures for the explorer, in headless Chromium (Debian's chromium): from page
 * load to the first type page (task_struct of the 6.18 vmlinux, 5.5 MB, fetched from the
 * local server, parsed in the worker), search-as-you-type per keystroke (input to painted
 * list), and the app's bundle size gzipped. No peer exists; the goals are the issue's.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasChromium, launch, serve } from '../test/browser/chromium.js';
import type { Bench, BenchRow } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const VMLINUX = process.env.BTFKIT_BENCH_VMLINUX_618 ?? join(ROOT, '..', 'shared', 'fixtures', 'vmlinux-6.18.btf.gz');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

const bench: Bench = {
  name: 'explorer',
  async run() {
    if (!hasChromium()) return 'no chromium';
    if (!existsSync(join(ROOT, 'dist-web', 'app.js'))) return 'web app not built (npm run build:web)';
    if (!existsSync(VMLINUX)) return `no ${VMLINUX}`;
    const srv = await serve([{ path: VMLINUX, name: 'vmlinux 6.18' }]);
    const browser = await launch();
    try {
      const loads: number[] = [];
      for (let i = 0; i < 5; i++) {
        const page = await browser.newPage();
        const t0 = performance.now();
        await page.goto(srv.url + '#/type/task_struct');
        await page.waitForSelector('#layout');
        loads.push(performance.now() - t0);
        await page.close();
      }
      const page = await browser.newPage();
      await page.goto(srv.url);
      await page.waitForFunction(() => (window as unknown as { __explorer: { searches: number } }).__explorer.searches > 0);
      const keystrokes = await page.evaluate(async () => {
        const probe = (window as unknown as { __explorer: { searches: number } }).__explorer;
        const q = document.querySelector('#q') as HTMLInputElement;
        const times: number[] = [];
        for (const word of ['task_struct', 'sk_buff', 'inode']) {
          for (let n = 1; n <= word.length; n++) {
            const before = probe.searches;
            const t0 = performance.now();
            q.value = word.slice(0, n);
            q.dispatchEvent(new Event('input'));
            while (probe.searches === before) await new Promise((r) => setTimeout(r, 0));
            await new Promise((r) => requestAnimationFrame(() => r(undefined)));
            times.push(performance.now() - t0);
          }
        }
        return times;
      });
      const sizes = JSON.parse(readFileSync(join(ROOT, 'dist-web', 'sizes.json'), 'utf8')) as Array<{ gzip: number }>;
      const gzipKiB = sizes.reduce((s, x) => s + x.gzip, 0) / 1024;
      const rows: BenchRow[] = [
        { name: 'page load to first type page (task_struct, 6.18 vmlinux)', ours: { ms: median(loads) }, goal: '<= 1000 ms' },
        { name: 'search per keystroke, input to painted list (median)', ours: { ms: median(keystrokes) }, goal: '<= 50 ms', note: `max ${Math.max(...keystrokes).toFixed(1)} ms over ${keystrokes.length} keystrokes` },
        { name: 'bundle (index.html + app.js with its worker + app.css)', ours: { ms: 0 }, goal: '<= 250 KiB gzipped', note: `${gzipKiB.toFixed(1)} KiB gzipped` },
      ];
      return rows;
    } finally {
      await browser.close();
      await srv.close();
    }
  },
};

export default bench;
