/**
 * Reading `pahole -F btf` output as the independent oracle for `btfkit diff` and `where`.
 *
 * How pahole rows map to members (the mapping the conformance tests rely on):
 *  - A struct/union block starts with `struct NAME {` / `union NAME {` at column 0 and ends
 *    with `}` at column 0 (`};` or `} __attribute__((...));`); pahole prints every named struct/union (duplicates included).
 *  - A top-level member is a line indented by one tab that is not a comment. A member whose
 *    type is an anonymous struct/union is printed inline: `\tunion {` ... `\t};` (anonymous
 *    member) or `\t} name;` (named member); every line of that inline block belongs to that
 *    one top-level member, so a change inside it is a change of that member.
 *  - Comment lines (`/* XXX 4 bytes hole *\/`, cacheline markers, `last struct has N bytes of
 *    padding`, the summary) are derived: holes and cachelines from the rows, padding notes
 *    from the embedded types (whose own changes are reported on them). The layout compared
 *    is the member rows plus the `size:` of the summary.
 *  - `__attribute__((__aligned__(N)))` on a row is pahole's inference from the gap before the
 *    member (like a hole comment) and is dropped; `type ;` (no name) is an anonymous member
 *    of a named struct/union type.
 *  - A member row ends in `/* OFFSET SIZE *\/` or `/* OFFSET:BIT SIZE *\/` for bitfields.
 */

import { execFileSync } from 'node:child_process';

/** `pahole -F btf FILE` (its libbpf's warnings about kinds it does not know dropped). */
export function paholeText(file: string): string {
  return execFileSync('pahole', ['-F', 'btf', file], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
}

export interface PaholeMember {
  /** '' for an anonymous struct/union member. */
  readonly name: string;
  /** The member's lines (an inline struct/union: all of its lines), comments dropped. */
  readonly text: string;
  /** Byte offset, bit within the storage unit (bitfields), and size from the row comment. */
  readonly offset: number;
  readonly bit: number | undefined;
  readonly size: number;
  /** The type as pahole writes it (first line, before the name). */
  readonly typeText: string;
}

export interface PaholeLayout {
  readonly kind: 'struct' | 'union';
  readonly name: string;
  readonly size: number;
  readonly members: readonly PaholeMember[];
  /** Member rows plus size: what the oracle compares. */
  readonly layout: string;
  /** The whole block as printed. */
  readonly text: string;
}

const ROW_TAIL = /\/\*\s*(\d+)(?::\s*(\d+))?\s+(\d+)\s*\*\/\s*$/;

/** The name a member row declares: `type name;`, `type name[4];`, `type name:3;`, `ret (*name)(args);`. */
function declName(decl: string): string {
  const fp = /\(\s*\*\s*([A-Za-z_]\w*)\s*\)\s*\(/.exec(decl);
  if (fp) return fp[1]!;
  // `union pipe_index ;` (spaces before the `;`) is an anonymous member of a named type.
  const m = /([A-Za-z_]\w*)(\[[^\]]*\])*(:\d+)?;$/.exec(decl.trim());
  return m ? m[1]! : '';
}

/**
 * pahole infers `__attribute__((__aligned__(N)))` on a member from the gap before it (like
 * its hole comments): a property of the surrounding layout, not of the member.
 */
function stripAttributes(line: string): string {
  // Whitespace collapsed too: pahole pads the columns to the longest declaration.
  return line.replace(/\s*__attribute__\(\(.*?\)\)(?=\s*;)/, '').replace(/\s+/g, ' ');
}

function isComment(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('/*');
}

export function parsePahole(text: string): Map<string, PaholeLayout[]> {
  const out = new Map<string, PaholeLayout[]>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^(struct|union) (\S+) \{$/.exec(lines[i]!);
    if (!head) continue;
    const start = i;
    const members: PaholeMember[] = [];
    let size = -1;
    i++;
    for (; i < lines.length && !lines[i]!.startsWith('}'); i++) {
      const line = lines[i]!;
      const sz = /\/\* size: (\d+),/.exec(line);
      if (sz) size = Number(sz[1]);
      if (!line.startsWith('\t') || line.startsWith('\t\t') || isComment(line)) continue;
      // A top-level member: one row, or an inline struct/union up to its closing `\t}`.
      const rows = [stripAttributes(line)];
      if (/^\t(struct|union) \{$/.test(line)) {
        while (++i < lines.length && !/^\t\}/.test(lines[i]!)) if (!isComment(lines[i]!)) rows.push(stripAttributes(lines[i]!));
        rows.push(stripAttributes(lines[i]!));
      }
      const last = rows[rows.length - 1]!;
      const tail = ROW_TAIL.exec(last);
      const decl = last.replace(ROW_TAIL, '').trim();
      const name = rows.length > 1 ? (/^\}\s*([A-Za-z_]\w*)/.exec(decl)?.[1] ?? '') : declName(decl);
      members.push({
        name,
        text: rows.map((r) => r.trim()).join('\n'),
        offset: tail ? Number(tail[1]) : -1,
        bit: tail && tail[2] !== undefined ? Number(tail[2]) : undefined,
        size: tail ? Number(tail[3]) : -1,
        typeText: rows.length > 1 ? rows[0]!.trim().replace(/\s*\{$/, ' {...}') : decl.slice(0, decl.length - name.length - 1).trim(),
      });
    }
    const kind = head[1] as 'struct' | 'union';
    const layout = `${members.map((m) => m.text).join('\n')}\nsize ${size}`;
    const entry: PaholeLayout = { kind, name: head[2]!, size, members, layout, text: lines.slice(start, i + 1).join('\n') };
    const key = `${kind} ${head[2]}`;
    const l = out.get(key);
    if (l) l.push(entry);
    else out.set(key, [entry]);
  }
  return out;
}

/** Named top-level members whose pahole rows differ (or exist on one side only). */
export function changedMemberNames(a: PaholeLayout, b: PaholeLayout): Set<string> {
  const rows = (l: PaholeLayout): Map<string, string> => new Map(l.members.filter((m) => m.name !== '').map((m) => [m.name, m.text]));
  const ra = rows(a);
  const rb = rows(b);
  const out = new Set<string>();
  for (const [n, t] of ra) if (rb.get(n) !== t) out.add(n);
  for (const n of rb.keys()) if (!ra.has(n)) out.add(n);
  return out;
}
