/**
 * The explorer's worker: the page posts requests, the library's ExploreSession (src/ops/
 * explore.ts) does the BTF work here, so typing never stalls.
 */

import { ExploreSession } from '../src/ops/explore.js';
import type { Envelope, Reply, Request, Result } from './protocol.js';

const session = new ExploreSession();

function handle(req: Request): Result {
  switch (req.op) {
    case 'load':
      return session.load(req.files);
    case 'names':
      return session.names(req.file);
    case 'search':
      return session.search(req.file, req.query, req.mode, req.kind);
    case 'type':
      return session.typePage(req.file, req.id);
    case 'usedby':
      return session.usedBy(req.file, req.id);
    case 'resolve':
      return { id: session.resolve(req.file, req.name) };
    case 'diff':
      return session.diff(req.a, req.b);
    case 'where':
      return session.where(req.query);
    case 'relocate':
      return session.relocate(req.module, req.target);
  }
}

self.onmessage = (ev: MessageEvent<Envelope>) => {
  const { seq, req } = ev.data;
  let reply: Reply;
  try {
    reply = { seq, ok: true, result: handle(req) };
  } catch (e) {
    reply = { seq, ok: false, error: (e as Error).message };
  }
  const transfer: Transferable[] = [];
  const r = reply.result as { ids?: Uint32Array } | undefined;
  if (r?.ids instanceof Uint32Array) transfer.push(r.ids.buffer);
  (self as unknown as Worker).postMessage(reply, transfer);
};
