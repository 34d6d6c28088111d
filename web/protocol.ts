/** Messages between the explorer's page and its worker (all BTF work runs in the worker). */

import type { AbiDiffReport } from '../src/ops/abi-diff.js';
import type { FileInfo, RelocationView, SearchMode, SourceFile, TypePage, TypeRef } from '../src/ops/explore.js';
import type { WhereResult } from '../src/ops/where.js';

export type { FileInfo, LayoutLine, RelocationView, SearchMode, SourceFile, TypePage, TypeRef } from '../src/ops/explore.js';

export type Request =
  | { op: 'load'; files: SourceFile[] }
  | { op: 'names'; file: number }
  | { op: 'search'; file: number; query: string; mode: SearchMode; kind: number }
  | { op: 'type'; file: number; id: number }
  | { op: 'usedby'; file: number; id: number }
  | { op: 'resolve'; file: number; name: string }
  | { op: 'diff'; a: number; b: number }
  | { op: 'where'; query: string }
  | { op: 'relocate'; module: number; target: number };

export type Result =
  | FileInfo[]
  | { names: string[]; kinds: Uint8Array }
  | { ids: Uint32Array; total: number; ms: number }
  | TypePage
  | { usedBy: TypeRef[]; total: number }
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
