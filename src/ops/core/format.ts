/**
 * Human-readable CO-RE specs: `struct task_struct___v1 *p; p->se.load.weight`, enumerators,
 * type names in C-like form.
 */

import type { Btf } from '../../wire/btf.js';
import { Kind } from '../../wire/kinds.js';
import type { CoreSpec } from './spec.js';
import { isFieldKind, isEnumvalKind } from './spec.js';

/** C-like name of a type: `struct foo`, `union bar`, `enum baz`, `int`, `u32 *`, `void`. */
export function cTypeName(btf: Btf, id: number, depth = 0): string {
  if (id === 0) return 'void';
  if (depth > 16) return '...';
  const k = btf.kind(id);
  const name = btf.name(id);
  switch (k) {
    case Kind.STRUCT:
      return `struct ${name || '(anon)'}`;
    case Kind.UNION:
      return `union ${name || '(anon)'}`;
    case Kind.ENUM:
    case Kind.ENUM64:
      return `enum ${name || '(anon)'}`;
    case Kind.FWD:
      return `${btf.kflag(id) ? 'union' : 'struct'} ${name}`;
    case Kind.PTR:
      return `${cTypeName(btf, btf.sizeOrType(id), depth + 1)} *`;
    case Kind.CONST:
      return `const ${cTypeName(btf, btf.sizeOrType(id), depth + 1)}`;
    case Kind.VOLATILE:
      return `volatile ${cTypeName(btf, btf.sizeOrType(id), depth + 1)}`;
    case Kind.RESTRICT:
      return `${cTypeName(btf, btf.sizeOrType(id), depth + 1)} restrict`;
    case Kind.TYPE_TAG:
      return `${cTypeName(btf, btf.sizeOrType(id), depth + 1)} __attribute__((btf_type_tag("${name}")))`;
    case Kind.ARRAY:
      return `${cTypeName(btf, btf.word(id, 3), depth + 1)}[${btf.word(id, 5)}]`;
    case Kind.FUNC_PROTO:
      return `${cTypeName(btf, btf.sizeOrType(id), depth + 1)} (*)(...)`;
    default:
      return name || `(anon ${k})`;
  }
}

/** The access path of a spec in C form, rooted at a pointer named `p`. */
export function formatAccess(spec: CoreSpec): string {
  const btf = spec.btf;
  if (isEnumvalKind(spec.kind)) {
    const a = spec.access[0];
    return a ? `${cTypeName(btf, a.typeId)}::${a.name}` : cTypeName(btf, spec.rootTypeId);
  }
  if (!isFieldKind(spec.kind)) return cTypeName(btf, spec.rootTypeId);
  const first = spec.access[0];
  let s = first && first.idx !== 0 ? `p[${first.idx}]` : '*p';
  let deref = first !== undefined && first.idx === 0;
  for (let i = 1; i < spec.access.length; i++) {
    const a = spec.access[i]!;
    if (a.name !== undefined) {
      s = deref ? `p->${a.name}` : `${s}.${a.name}`;
      deref = false;
    } else {
      s = `${s}[${a.idx}]`;
    }
  }
  return `(${cTypeName(btf, spec.rootTypeId)} *p) ${s}`;
}

/** One-line description of a spec: `[id] struct foo: p->a.b[3] (0:1:2:3 @ byte 12)`. */
export function describeSpec(spec: CoreSpec, btfName?: string): string {
  const where = btfName ? `${btfName} ` : '';
  const raw = spec.raw.length > 0 ? spec.raw.join(':') : '0';
  const off = isFieldKind(spec.kind) ? ` @ bit ${spec.bitOffset}` : '';
  return `${where}[${spec.rootTypeId}] ${formatAccess(spec)} (${raw}${off})`;
}
