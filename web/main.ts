/**
 * The explorer page: search, type pages, diff, where, relocation. Vanilla DOM on purpose
 * (no UI library): a handful of views, one virtualized list. All BTF work is the worker's.
 */

import workerSource from 'virtual:worker-source';
import type { AbiDiffReport, AbiTypeChange } from '../src/ops/abi-diff.js';
import type { WhereResult } from '../src/ops/where.js';
import { KIND_SHAPES, kindName } from '../src/wire/kinds.js';
import type { FileInfo, Envelope, LayoutLine, Reply, Request, SearchMode, TypePage, TypeRef, RelocationView } from './protocol.js';

const $ = <T extends HTMLElement>(sel: string): T => document.querySelector(sel) as T;
const fileSel = $<HTMLSelectElement>('#file');
const q = $<HTMLInputElement>('#q');
const modeSel = $<HTMLSelectElement>('#mode');
const kindSel = $<HTMLSelectElement>('#kind');
const list = $<HTMLDivElement>('#list');
const spacer = list.querySelector('.spacer') as HTMLDivElement;
const count = $<HTMLDivElement>('#count');
const page = $<HTMLElement>('#page');
const drop = $<HTMLDivElement>('#drop');

// ---- worker ----

const worker = new Worker(URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' })));
let seq = 0;
const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
worker.onmessage = (ev: MessageEvent<Reply>) => {
  const p = pending.get(ev.data.seq);
  if (!p) return;
  pending.delete(ev.data.seq);
  if (ev.data.ok) p.resolve(ev.data.result);
  else p.reject(new Error(ev.data.error ?? 'worker error'));
};
function call<T>(req: Request, transfer: Transferable[] = []): Promise<T> {
  const s = ++seq;
  return new Promise<T>((resolve, reject) => {
    pending.set(s, { resolve: resolve as (r: unknown) => void, reject });
    const env: Envelope = { seq: s, req };
    worker.postMessage(env, transfer);
  });
}

// ---- state ----

let files: FileInfo[] = [];
let current = 0;
const nameCache = new Map<number, { names: string[]; kinds: Uint8Array }>();
let results: Uint32Array = new Uint32Array(0);
let selected = -1;

/** Hooks for the browser tests and the benchmark. */
const probe = { searches: 0, lastSearchMs: 0, lastRender: '', loaded: false };
(window as unknown as { __explorer: typeof probe }).__explorer = probe;

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const kindText = (k: number): string => kindName(k).toLowerCase();
const typeHref = (name: string, file = current): string => `#/type/${encodeURIComponent(name)}${file !== 0 ? `@${file}` : ''}`;
const idHref = (id: number, file = current): string => `#/id/${file}/${id}`;

for (let k = 1; k < KIND_SHAPES.length; k++) {
  const o = document.createElement('option');
  o.value = String(k);
  o.textContent = kindText(k);
  kindSel.append(o);
}
kindSel.insertAdjacentHTML('afterbegin', '<option value="-1" selected>all kinds</option>');

// ---- loading ----

async function loadFiles(sources: Array<{ name: string; bytes: Uint8Array; base?: number }>): Promise<void> {
  const added = await call<FileInfo[]>({ op: 'load', files: sources }, sources.map((s) => s.bytes.buffer as ArrayBuffer));
  files = files.concat(added);
  fileSel.innerHTML = files
    .map((f) => `<option value="${f.index}">${esc(f.name)}${f.baseIndex !== undefined ? ` (on ${esc(files[f.baseIndex]!.name)})` : ''}</option>`)
    .join('');
  fileSel.value = String(current);
  probe.loaded = true;
}

async function fromServer(): Promise<boolean> {
  let listing: Response;
  try {
    listing = await fetch('files', { cache: 'no-store' });
  } catch {
    return false;
  }
  if (!listing.ok) return false;
  const entries = (await listing.json()) as Array<{ name: string; base?: number }>;
  const sources = await Promise.all(
    entries.map(async (e, i) => {
      const r = await fetch(`files/${i}`, { cache: 'no-store' });
      if (!r.ok) throw new Error(`cannot fetch ${e.name}: ${r.status}`);
      return { name: e.name, bytes: new Uint8Array(await r.arrayBuffer()), ...(e.base !== undefined ? { base: e.base } : {}) };
    }),
  );
  await loadFiles(sources);
  return true;
}

async function fromPicked(list: FileList | File[]): Promise<void> {
  const sources = await Promise.all(
    [...list].map(async (f) => ({ name: f.name, bytes: await decompressIfNeeded(new Uint8Array(await f.arrayBuffer())) })),
  );
  // Standalone files first, so that modules find their vmlinux.
  try {
    await loadFiles(sources);
  } catch (e) {
    page.innerHTML = `<p class="err">${esc((e as Error).message)}</p>`;
    return;
  }
  await runSearch();
  if (!location.hash || location.hash === '#/') showWelcome();
  else await route();
}

async function decompressIfNeeded(bytes: Uint8Array): Promise<Uint8Array> {
  const { detectCompression, decompress } = await import('../src/elf/compress.js');
  return detectCompression(bytes) === 'none' ? bytes : decompress(bytes);
}

$<HTMLInputElement>('#pick').addEventListener('change', (ev) => {
  const input = ev.target as HTMLInputElement;
  if (input.files) void fromPicked(input.files);
});
window.addEventListener('dragover', (ev) => {
  ev.preventDefault();
  drop.hidden = false;
});
window.addEventListener('dragleave', (ev) => {
  if (ev.target === drop) drop.hidden = true;
});
window.addEventListener('drop', (ev) => {
  ev.preventDefault();
  drop.hidden = true;
  if (ev.dataTransfer?.files) void fromPicked(ev.dataTransfer.files);
});

// ---- search and the virtual list ----

const ROW = 22;

async function namesOf(file: number): Promise<{ names: string[]; kinds: Uint8Array }> {
  let n = nameCache.get(file);
  if (!n) {
    n = await call<{ names: string[]; kinds: Uint8Array }>({ op: 'names', file });
    nameCache.set(file, n);
  }
  return n;
}

let searchSeq = 0;
async function runSearch(): Promise<void> {
  if (files.length === 0) return;
  const mine = ++searchSeq;
  const t0 = performance.now();
  const [{ ids, total }] = await Promise.all([
    call<{ ids: Uint32Array; total: number }>({ op: 'search', file: current, query: q.value.trim(), mode: modeSel.value as SearchMode, kind: Number(kindSel.value) }),
    namesOf(current),
  ]);
  if (mine !== searchSeq) return;
  results = ids;
  selected = -1;
  count.textContent = `${total.toLocaleString('en')} type${total === 1 ? '' : 's'}`;
  spacer.style.height = `${results.length * ROW}px`;
  list.scrollTop = 0;
  renderRows();
  probe.searches++;
  probe.lastSearchMs = performance.now() - t0;
}

function renderRows(): void {
  const n = nameCache.get(current);
  if (!n) return;
  const first = Math.floor(list.scrollTop / ROW);
  const visible = Math.ceil(list.clientHeight / ROW) + 2;
  // Rows are built with the DOM API: the page's CSP allows no inline style attributes.
  const rows: HTMLDivElement[] = [];
  for (let i = first; i < Math.min(results.length, first + visible); i++) {
    const id = results[i]!;
    const row = document.createElement('div');
    row.className = i === selected ? 'row sel' : 'row';
    row.dataset.i = String(i);
    row.style.top = `${i * ROW}px`;
    const k = document.createElement('span');
    k.className = 'k';
    k.textContent = kindText(n.kinds[id]!);
    row.append(k, n.names[id] || '(anon)');
    rows.push(row);
  }
  spacer.replaceChildren(...rows);
}

list.addEventListener('scroll', () => requestAnimationFrame(renderRows));
list.addEventListener('click', (ev) => {
  const row = (ev.target as HTMLElement).closest('.row') as HTMLElement | null;
  if (!row) return;
  selected = Number(row.dataset.i);
  location.hash = idHref(results[selected]!);
});
q.addEventListener('input', () => void runSearch());
/** Arrow keys move through the results, Enter opens the selected one (or the first). */
function moveSelection(delta: number): void {
  if (results.length === 0) return;
  selected = Math.max(0, Math.min(results.length - 1, selected + delta));
  const top = selected * ROW;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + ROW > list.scrollTop + list.clientHeight) list.scrollTop = top + ROW - list.clientHeight;
  renderRows();
}
q.addEventListener('keydown', (ev) => {
  if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
    ev.preventDefault();
    moveSelection(ev.key === 'ArrowDown' ? 1 : -1);
  } else if (ev.key === 'Enter' && results.length > 0) {
    location.hash = idHref(results[Math.max(0, selected)]!);
  }
});
modeSel.addEventListener('change', () => void runSearch());
kindSel.addEventListener('change', () => void runSearch());
fileSel.addEventListener('change', () => {
  current = Number(fileSel.value);
  void runSearch();
});

// ---- views ----

function linkify(text: string, file: number): string {
  // Type names in code, not in pahole's comments (`/* XXX last struct has ... */`).
  const cut = text.indexOf('/*');
  if (cut >= 0) return linkify(text.slice(0, cut), file) + esc(text.slice(cut));
  return esc(text).replace(/\b(struct|union|enum) ([A-Za-z_][A-Za-z0-9_]*)/g, (_m, kw: string, name: string) => `${kw} <a href="${typeHref(name, file)}">${name}</a>`);
}

function layoutHtml(lines: readonly LayoutLine[], file: number): string {
  return lines
    .map((l) => {
      let body: string;
      // The closing row of an inline struct/union (`};`, `} name;`) has no type text to link.
      if (l.typeId !== undefined && !/^\t*\}/.test(l.text)) {
        // The member's type (up to its column padding) links to that type's page.
        const tabs = l.text.match(/^\t*/)![0];
        const rest = l.text.slice(tabs.length);
        const end = rest.search(/ {2}|\s\(\*|\s\S+;/);
        const cut = end > 0 ? end : rest.indexOf(' ');
        const side = files[file]?.baseIndex !== undefined ? (l.fromBase ? ' base' : ' module') : '';
        const title = side ? ` title="${l.fromBase ? 'a type of the base (vmlinux)' : 'a type of this module'}"` : '';
        body = `${tabs}<a class="mtype${side}"${title} href="${idHref(l.typeId, file)}">${esc(rest.slice(0, cut))}</a>${esc(rest.slice(cut))}`;
      } else {
        body = linkify(l.text, file);
      }
      return `<div class="ln ${l.cls}" data-cls="${l.cls}">${body}</div>`;
    })
    .join('');
}

function refsHtml(refs: readonly TypeRef[], file: number, id: string): string {
  if (refs.length === 0) return `<p class="hint" id="${id}">none</p>`;
  return `<ul class="refs" id="${id}">${refs
    .map((r) => `<li><span class="k">${esc(r.kind)}</span><a href="${idHref(r.id, file)}">${esc(r.name || `(anon #${r.id})`)}</a>${r.via !== undefined ? `<span class="via">.${esc(r.via)}</span>` : ''}${r.how !== undefined ? `<span class="how" title="through a pointer (*), array ([]) or function prototype (())">${esc(r.how)}</span>` : ''}</li>`)
    .join('')}</ul>`;
}

async function showType(file: number, id: number): Promise<void> {
  const p = await call<TypePage>({ op: 'type', file, id });
  if (file !== current) {
    current = file;
    fileSel.value = String(file);
    void runSearch();
  }
  const badges = [`<span class="badge">id ${p.id}</span>`];
  if (p.size !== undefined) badges.push(`<span class="badge">${p.size} bytes</span>`);
  if (p.owner) badges.push(`<span class="badge ${p.owner.side}" id="owner" data-side="${p.owner.side}">${p.owner.side === 'base' ? 'base type, from' : 'module type, in'} ${esc(p.owner.file)}</span>`);
  page.innerHTML =
    `<h1><span class="kind">${esc(p.kind)}</span> ${esc(p.name || '(anonymous)')}</h1><div class="badges">${badges.join('')}</div>` +
    (p.layout
      ? `<h2>Layout <span class="hint-inline">(pahole)</span></h2>${p.owner ? '<p class="legend">member types: <span class="badge base">base (vmlinux)</span> <span class="badge module">module</span></p>' : ''}<div class="layout" id="layout">${layoutHtml(p.layout, file)}</div>`
      : '') +
    `<h2>C definition</h2><pre class="cdef" id="cdef">${linkify(p.c, file)}</pre>` +
    `<h2>Refers to</h2>${refsHtml(p.refs, file, 'refs')}` +
    `<h2 id="usedby-title">Used by</h2><div id="usedby-slot" class="hint">…</div>`;
  page.scrollTop = 0;
  // Who uses it comes second: the first call builds the reverse index of the whole file.
  void call<{ usedBy: TypeRef[]; total: number }>({ op: 'usedby', file, id }).then((u) => {
    const slot = document.querySelector('#usedby-slot');
    if (!slot || probe.lastRender !== `type:${p.name}`) return;
    $<HTMLElement>('#usedby-title').textContent = `Used by (${u.total.toLocaleString('en')})`;
    slot.outerHTML = refsHtml(u.usedBy, file, 'usedby');
  });
  document.title = `${p.name || p.kind} · btfkit explorer`;
  probe.lastRender = `type:${p.name}`;
}

function fileOptions(sel: number, filter: (f: FileInfo) => boolean = () => true): string {
  return files.filter(filter).map((f) => `<option value="${f.index}"${f.index === sel ? ' selected' : ''}>${esc(f.name)}</option>`).join('');
}

function changeRow(c: AbiTypeChange, a: number, b: number): string {
  const size = c.size ? `${c.size[0]} → ${c.size[1]}` : '';
  return `<tr data-name="${esc(c.name)}"><td class="status-${c.status}">${c.status}</td><td>${esc(c.kind)}</td><td class="mono"><a href="#/diff/${a}/${b}/${encodeURIComponent(c.kind)}/${encodeURIComponent(c.name)}">${esc(c.name)}</a></td><td>${size}</td><td>${c.cause ? `← ${esc(c.cause.kind)} ${esc(c.cause.name)}` : c.members ? `${c.members.length} member change${c.members.length === 1 ? '' : 's'}` : ''}</td></tr>`;
}

const diffCache = new Map<string, AbiDiffReport>();
async function showDiff(a: number, b: number, kind?: string, name?: string): Promise<void> {
  if (files.length < 2) {
    page.innerHTML = '<p class="hint">Load two BTF files (two kernels) to compare them.</p>';
    return;
  }
  const key = `${a}/${b}`;
  page.innerHTML = `<h1>diff</h1><form class="inline" id="diffform"><select id="da">${fileOptions(a)}</select> → <select id="db">${fileOptions(b)}</select><button>compare</button></form><div id="diffbody" class="hint">comparing…</div>`;
  $<HTMLFormElement>('#diffform').addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/diff/${$<HTMLSelectElement>('#da').value}/${$<HTMLSelectElement>('#db').value}`;
  });
  let report = diffCache.get(key);
  if (!report) {
    report = await call<AbiDiffReport>({ op: 'diff', a, b });
    diffCache.set(key, report);
  }
  const body = $<HTMLDivElement>('#diffbody');
  body.className = '';
  const s = report.summary;
  let html = `<p>${s.changed} changed (${s.leaves} at the leaf), ${s.added} added, ${s.removed} removed; ${s.incompatible} incompatible.</p>`;
  const change = name !== undefined ? report.changes.find((c) => c.name === name && (kind === undefined || c.kind === kind)) : undefined;
  if (change) {
    html += `<h2 id="change" data-name="${esc(change.name)}">${esc(change.kind)} ${esc(change.name)}: ${change.status}${change.size ? `, size ${change.size[0]} → ${change.size[1]}` : ''}</h2>`;
    if (change.cause) html += `<p>because of ${esc(change.cause.kind)} <a href="#/diff/${a}/${b}/${encodeURIComponent(change.cause.kind)}/${encodeURIComponent(change.cause.name)}">${esc(change.cause.name)}</a></p>`;
    if (change.members && change.members.length > 0) {
      html += `<table id="members"><tr><th>member</th><th>change</th><th>${esc(files[a]!.name)}</th><th>${esc(files[b]!.name)}</th></tr>${change.members
        .map((m) => {
          const side = (x?: { offset_bits: number; type: string }) => (x ? `${esc(x.type)} @ ${x.offset_bits / 8}` : '');
          return `<tr><td class="mono">${esc(m.name)}${m.old_name ? ` (was ${esc(m.old_name)})` : ''}</td><td class="status-${m.status === 'renamed' ? 'changed' : m.status}">${m.status}</td><td class="mono">${side(m.a)}</td><td class="mono">${side(m.b)}</td></tr>`;
        })
        .join('')}</table>`;
    }
    if ((change.kind === 'struct' || change.kind === 'union') && change.id_a !== undefined && change.id_b !== undefined) {
      const [pa, pb] = await Promise.all([call<TypePage>({ op: 'type', file: a, id: change.id_a }), call<TypePage>({ op: 'type', file: b, id: change.id_b })]);
      const changed = new Set((change.members ?? []).flatMap((m) => [m.name, m.old_name ?? m.name]));
      const mark = (lines: readonly LayoutLine[]): LayoutLine[] =>
        lines.map((l) => {
          const name = /\s\**([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])*(:\d+)?;/.exec(l.text.split('/*')[0] ?? '')?.[1];
          return name !== undefined && changed.has(name) && /^\t[^\t]/.test(l.text) ? { ...l, cls: 'changed' as LayoutLine['cls'] } : l;
        });
      html += `<div class="side"><div><h2>${esc(files[a]!.name)}</h2><div class="layout">${layoutHtml(mark(pa.layout ?? []), a)}</div></div><div><h2>${esc(files[b]!.name)}</h2><div class="layout">${layoutHtml(mark(pb.layout ?? []), b)}</div></div></div>`;
    }
  }
  const shown = report.changes.filter((c) => !c.cause).slice(0, 2000);
  html += `<h2>Leaf changes (${shown.length})</h2><table id="changes">${shown.map((c) => changeRow(c, a, b)).join('')}</table>`;
  body.innerHTML = html;
  probe.lastRender = `diff:${name ?? ''}`;
}

async function showWhere(query: string): Promise<void> {
  page.innerHTML = `<h1>where is a field</h1><form class="inline" id="whereform"><input id="wq" placeholder="task_struct.mm or struct device.driver_data" value="${esc(query)}"><button>find</button></form><div id="wherebody"></div>`;
  $<HTMLFormElement>('#whereform').addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/where/${encodeURIComponent($<HTMLInputElement>('#wq').value.trim())}`;
  });
  if (query === '') return;
  const body = $<HTMLDivElement>('#wherebody');
  try {
    const rows = await call<WhereResult[]>({ op: 'where', query });
    body.innerHTML = `<table id="where"><tr><th>kernel</th><th>present</th><th>type</th><th>offset</th><th>size</th><th>C type</th><th>note</th></tr>${rows
      .map(
        (r) =>
          `<tr><td>${esc(r.file)}</td><td>${r.present ? 'yes' : 'no'}</td><td class="mono">${esc(r.type ?? '')}</td><td>${r.offset_bits !== undefined ? `${Math.floor(r.offset_bits / 8)}${r.offset_bits % 8 ? `:${r.offset_bits % 8}` : ''}` : ''}</td><td>${r.size ?? ''}</td><td class="mono">${esc(r.c_type ?? '')}</td><td>${r.likely_renamed_to ? `renamed to ${esc(r.likely_renamed_to)}?` : r.missing ? `no ${esc(r.missing)}` : ''}</td></tr>`,
      )
      .join('')}</table>`;
  } catch (e) {
    body.innerHTML = `<p class="err">${esc((e as Error).message)}</p>`;
  }
  probe.lastRender = `where:${query}`;
}

async function showRelocate(mod: number | undefined, target: number | undefined): Promise<void> {
  const modules = files.filter((f) => f.baseIndex !== undefined);
  const targets = files.filter((f) => f.baseIndex === undefined);
  if (modules.length === 0 || targets.length === 0) {
    page.innerHTML = '<p class="hint">Load a module (split BTF on its vmlinux) and a target vmlinux to see whether the module relocates onto it.</p>';
    return;
  }
  const m = mod ?? modules[0]!.index;
  const t = target ?? targets[targets.length - 1]!.index;
  page.innerHTML = `<h1>relocate a module</h1><form class="inline" id="relform"><select id="rm">${fileOptions(m, (f) => f.baseIndex !== undefined)}</select> onto <select id="rt">${fileOptions(t, (f) => f.baseIndex === undefined)}</select><button>check</button></form><div id="relbody" class="hint">relocating…</div>`;
  $<HTMLFormElement>('#relform').addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/relocate/${$<HTMLSelectElement>('#rm').value}/${$<HTMLSelectElement>('#rt').value}`;
  });
  const r = await call<RelocationView>({ op: 'relocate', module: m, target: t });
  const body = $<HTMLDivElement>('#relbody');
  body.className = '';
  body.innerHTML = `<p class="${r.ok ? 'ok' : 'err'}" id="verdict">${r.ok ? 'relocates' : 'does not relocate'}</p><pre class="cdef">${esc(r.text)}</pre>`;
  probe.lastRender = `relocate:${r.ok}`;
}

function showWelcome(): void {
  page.innerHTML =
    files.length === 0
      ? '<div class="hint"><p>Drop BTF files anywhere on this page, or use “open files…”: a vmlinux (or /sys/kernel/btf/vmlinux), modules (.ko, .ko.xz, .ko.zst), BPF objects, raw BTF. Nothing leaves your machine.</p></div>'
      : `<div class="hint"><p>${files.map((f) => `${esc(f.name)}: ${f.types.toLocaleString('en')} types`).join('<br>')}</p><p>Search on the left, or open <a href="${typeHref('task_struct')}">task_struct</a>.</p></div>`;
}

// ---- routes: #/type/NAME[@F], #/id/F/ID, #/diff/A/B[/KIND/NAME], #/where/Q, #/relocate/M/T, #/search/Q ----

async function route(): Promise<void> {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    switch (parts[0]) {
      case 'type': {
        const [name, f] = (parts.slice(1).join('/') || '').split('@');
        const file = f !== undefined ? Number(f) : current;
        const { id } = await call<{ id: number | null }>({ op: 'resolve', file, name: name ?? '' });
        if (id === null) page.innerHTML = `<p class="err">no type named ${esc(name ?? '')} in ${esc(files[file]?.name ?? '?')}</p>`;
        else await showType(file, id);
        break;
      }
      case 'id':
        await showType(Number(parts[1]), Number(parts[2]));
        break;
      case 'diff':
        await showDiff(Number(parts[1] ?? 0), Number(parts[2] ?? 1), parts[3], parts.slice(4).join('/') || undefined);
        break;
      case 'where':
        await showWhere(parts.slice(1).join('/'));
        break;
      case 'relocate':
        await showRelocate(parts[1] !== undefined ? Number(parts[1]) : undefined, parts[2] !== undefined ? Number(parts[2]) : undefined);
        break;
      case 'search':
        q.value = parts.slice(1).join('/');
        await runSearch();
        break;
      default:
        showWelcome();
    }
  } catch (e) {
    page.innerHTML = `<p class="err">${esc((e as Error).message)}</p>`;
  }
}

window.addEventListener('hashchange', () => void route());

async function start(): Promise<void> {
  let served = false;
  try {
    served = await fromServer();
  } catch (e) {
    page.innerHTML = `<p class="err">${esc((e as Error).message)}</p>`;
    return;
  }
  // The page the URL names first; the full list of names follows.
  await route();
  if (served) await runSearch();
}

void start();
