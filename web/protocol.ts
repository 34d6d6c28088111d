/** Messages between the explorer's page and its worker (all BTF work runs in the worker). */

import type { AbiDiffReport } from '../src/ops/abi-diff.js';
import type { WhereResult } from '../src/ops/where.js';

export interface FileInfo {
  readonly index: number;
  readonly name: string;
  readonly types: number;
  /** First own type id (1 for a standalone BTF). */
  readonly startId: number;
  /** ids 1..nextId-1 are searchable (a split file includes its base's types). */
  readonly nextId: number;
  /** For split BTF: the loaded file it sits on. */
  readonly baseIndex?: number;
}

export interface SourceFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Server mode: index (in this load request) of the base, when the server knows it. */
  readonly base?: number;
}

export type SearchMode = 'prefix' | 'substring' | 'regex';

export interface LayoutLine {
  readonly text: string;
  /** member, hole, bithole, padding, cacheline, footer, or plain (braces, comments). */
  readonly cls: 'member' | 'hole' | 'bithole' | 'padding' | 'cacheline' | 'footer' | 'plain' | 'changed';
  /** Type of the member on this row, for top-level members. */
  readonly typeId?: number;
}

export interface TypeRef {
  readonly id: number;
  readonly kind: string;
  readonly name: string;
  /** The member or parameter that refers. */
  readonly via?: string;
  /** Through what: `*` a pointer, `[]` an array, `()` a function prototype. */
  readonly how?: string;
}

export interface TypePage {
  readonly file: number;
  readonly id: number;
  readonly kind: string;
  readonly name: string;
  readonly size?: number;
  /** For split BTF: 'base' (with the base file's name) or 'module'. */
  readonly owner?: { readonly side: 'base' | 'module'; readonly file: string };
  readonly layout?: readonly LayoutLine[];
  readonly c: string;
  readonly refs: readonly TypeRef[];
  readonly usedBy: readonly TypeRef[];
  readonly usedByTotal: number;
}

export interface RelocationView {
  readonly ok: boolean;
  readonly text: string;
}

export type Request =
  | { op: 'load'; files: SourceFile[] }
  | { op: 'names'; file: number }
  | { op: 'search'; file: number; query: string; mode: SearchMode; kind: number }
  | { op: 'type'; file: number; id: number }
  | { op: 'resolve'; file: number; name: string }
  | { op: 'diff'; a: number; b: number }
  | { op: 'where'; query: string }
  | { op: 'relocate'; module: number; target: number };

export type Result =
  | FileInfo[]
  | { names: string[]; kinds: Uint8Array }
  | { ids: Uint32Array; total: number; ms: number }
  | TypePage
  | { id: number | null }
  | AbiDiffReport
  | WhereResult[]
  | RelocationView;

export interface Envelope {
  readonly seq: number;
  readonly req: Request;
}
export interface Reply {
  readonly seq: number;
  readonly ok: boolean;
  readonly result?: Result;
  readonly error?: string;
}
