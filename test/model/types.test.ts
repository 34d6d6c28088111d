// typeAt and the BtfType union: each kind inflates to its own interface, `kind` narrows the
// union (the code below does not compile otherwise), and a kind only the layout section
// describes reaches the `default` of a switch over the known kinds as UnknownType.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BtfType, typeAt, type UnknownType } from '../../src/model/types.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { Kind } from '../../src/wire/kinds.js';
import { encodeBlob, info, strOff } from '../helpers.js';

/** One fact per kind, read through narrowing only (no casts). */
function describeType(t: BtfType): string {
  switch (t.kind) {
    case Kind.UNKN:
      return 'void';
    case Kind.INT:
      return `int ${t.bits} bits`;
    case Kind.PTR:
    case Kind.TYPEDEF:
    case Kind.VOLATILE:
    case Kind.CONST:
    case Kind.RESTRICT:
    case Kind.TYPE_TAG:
      return `${t.kindName} -> ${t.type}`;
    case Kind.ARRAY:
      return `array of ${t.nelems} x ${t.type}`;
    case Kind.STRUCT:
    case Kind.UNION:
      return `${t.kindName} ${t.size} bytes: ${t.members.map((m) => `${m.name}@${m.bitOffset}`).join(',')}`;
    case Kind.ENUM:
    case Kind.ENUM64:
      return `${t.kindName} ${t.values.map((v) => `${v.name}=${v.value}`).join(',')}`;
    case Kind.FWD:
      return `fwd ${t.isUnion ? 'union' : 'struct'}`;
    case Kind.FUNC:
      return `func proto ${t.type} linkage ${t.linkage}`;
    case Kind.FUNC_PROTO:
      return `proto ${t.returnType}(${t.params.map((p) => p.type).join(',')})`;
    case Kind.VAR:
      return `var ${t.type} linkage ${t.linkage}`;
    case Kind.DATASEC:
      return `datasec ${t.vars.length} vars`;
    case Kind.FLOAT:
      return `float ${t.size}`;
    case Kind.DECL_TAG:
      return `decl_tag on ${t.type}/${t.componentIdx}`;
    default: {
      const unknown: UnknownType = t;
      return `unknown kind ${unknown.kind}: ${unknown.data.join(',')}`;
    }
  }
}

describe('typeAt and the discriminated BtfType', () => {
  it('narrows by kind to the fields of each kind', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, 1);
    const ptr = b.addPtr(int);
    const arr = b.addArray(int, int, 4);
    const s = b.addStruct('pair', 8, [
      { name: 'a', type: int, bitOffset: 0 },
      { name: 'b', type: int, bitOffset: 32 },
    ]);
    const e = b.addEnum('e', 4, [{ name: 'X', value: -1 }], true);
    const btf = b.build();
    assert.deepEqual(
      [0, int, ptr, arr, s, e].map((id) => describeType(typeAt(btf, id))),
      ['void', 'int 32 bits', 'PTR -> 1', 'array of 4 x 1', 'STRUCT 8 bytes: a@0,b@32', 'ENUM X=-1'],
    );
    const t = typeAt(btf, int);
    if (t.kind === Kind.INT) assert.equal(t.bits, 32);
    else assert.fail(`kind ${t.kind}`);
  });

  it('gives a kind only the layout section describes as UnknownType, in the switch default', () => {
    const strings = ['', 'mystery'];
    const layout: Array<[number, number, number]> = [];
    for (let k = 0; k < 20; k++) layout.push([0, 0, 0]);
    layout.push([4, 8, 0]); // kind 20: one info word, two words per element
    const btf = Btf.parse(encodeBlob({ types: [[strOff(strings, 'mystery'), info(20, 1), 7, 0xaaaa, 1, 2]], strings, layout }));
    assert.equal(describeType(typeAt(btf, 1)), `unknown kind 20: ${0xaaaa},1,2`);
  });
});
