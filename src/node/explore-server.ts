/**
 * The local server behind `btfkit explore`: the built web app (dist-web/) and the BTF files
 * named on the command line, nothing else.
 *
 * Who may talk to it: it listens on 127.0.0.1 only; every request must carry the Host it
 * printed (`127.0.0.1:PORT`; anything else is refused, which defeats DNS rebinding) and the
 * random token in its path (`/TOKEN/...`), so other local users' and other sites' pages
 * cannot read the files. Files are served by index (`files/0`), never by a path taken from
 * a request; the app's assets come from a fixed list read at start.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BtfError } from '../wire/errors.js';

export interface ExploreFile {
  /** Shown in the app. */
  readonly name: string;
  /** Bytes served to the app (decompressed; raw BTF or ELF). */
  readonly bytes: Uint8Array;
  /** Index of this file's base among the files, for split BTF. */
  readonly base?: number | undefined;
}

export interface ExploreServerOptions {
  readonly files: readonly ExploreFile[];
  /** 0 (default) for any free port. */
  readonly port?: number | undefined;
  /** The built app (default: dist-web/ of this package). */
  readonly webRoot?: string | undefined;
  /** Fixed token (tests); default 32 random hex digits. */
  readonly token?: string | undefined;
}

export interface ExploreServer {
  readonly url: string;
  readonly host: string;
  readonly token: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** dist-web/ next to dist/ in this package. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../dist-web/', import.meta.url));

const ASSETS: Readonly<Record<string, string>> = {
  '': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
const ASSET_FILES: Readonly<Record<string, string>> = { '': 'index.html', 'app.js': 'app.js', 'app.css': 'app.css' };

/** Read the built app; a clear error when `npm run build:web` has not run. */
function readAssets(root: string): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [route, file] of Object.entries(ASSET_FILES)) {
    try {
      m.set(route, readFileSync(`${root}/${file}`));
    } catch {
      throw new BtfError('io', `the explorer's web app is not built (${root}${file} missing): run \`npm run build:web\``, {});
    }
  }
  return m;
}

export async function startExploreServer(opts: ExploreServerOptions): Promise<ExploreServer> {
  const assets = readAssets(opts.webRoot ?? DEFAULT_WEB_ROOT);
  const token = opts.token ?? randomBytes(16).toString('hex');
  const tokenBytes = Buffer.from(token);
  const listing = Buffer.from(JSON.stringify(opts.files.map((f) => ({ name: f.name, size: f.bytes.length, ...(f.base !== undefined ? { base: f.base } : {}) }))));
  let host = '';

  const send = (res: ServerResponse, status: number, type: string, body: Buffer | Uint8Array | string): void => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      // Everything the app needs is here; the worker runs from a blob: URL.
      'Content-Security-Policy': "default-src 'self'; script-src 'self'; worker-src blob:; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
    });
    res.end(body);
  };
  const refuse = (res: ServerResponse, status: number, why: string): void => send(res, status, 'text/plain; charset=utf-8', `${why}\n`);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.headers.host !== host) return refuse(res, 421, 'wrong Host: this server answers only to the address it printed');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'only GET');
    const path = (req.url ?? '').split('?')[0]!;
    const m = /^\/([0-9a-f]+)\/(.*)$/.exec(path);
    const given = m ? Buffer.from(m[1]!) : undefined;
    if (!given || given.length !== tokenBytes.length || !timingSafeEqual(given, tokenBytes)) return refuse(res, 403, 'missing or wrong token');
    const rest = m![2]!;
    const asset = assets.get(rest);
    if (asset) return send(res, 200, ASSETS[rest]!, asset);
    if (rest === 'files') return send(res, 200, 'application/json', listing);
    const f = /^files\/(\d{1,6})$/.exec(rest);
    const file = f ? opts.files[Number(f[1])] : undefined;
    if (file) return send(res, 200, 'application/octet-stream', file.bytes);
    return refuse(res, 404, 'not found');
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new BtfError('io', `cannot listen on 127.0.0.1:${opts.port ?? 0}: ${e.code === 'EADDRINUSE' ? 'port in use' : e.message}`, {})),
    );
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  host = `127.0.0.1:${port}`;
  return {
    url: `http://${host}/${token}/`,
    host,
    token,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
