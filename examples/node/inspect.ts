// A Node script over one BTF file (raw BTF, vmlinux, .ko[.gz|.xz|.zst], BPF object):
//   node dist/node/inspect.js FILE [-B BASE]
// It uses every subpath of btfkit and names the types it gets back.
import { decompress, type OpenedBtf, openBtf } from 'btfkit';
import { EM_BPF, type ElfFile, parseElf } from 'btfkit/elf';
import { emitTypeDecl, formatRawType, TypeTable, type TypeDeclOptions } from 'btfkit/format';
import { type BtfType, type CompositeType, pointerSize, typeAt } from 'btfkit/model';
import { loadBtf, type LoadOptions, readInput } from 'btfkit/node';
import { type CheckReport, checkBtf, formatFinding, type DedupResult, dedup, type IdMap, type SanitizeResult, sanitizeBtf } from 'btfkit/ops';
import { type Btf, BtfError, BtfBuilder, Kind } from 'btfkit/wire';

/** One line per type, every kind read through the narrowed `BtfType` (no casts). */
export function describe(t: BtfType): string {
  switch (t.kind) {
    case Kind.UNKN:
      return 'void';
    case Kind.INT:
      return `int ${t.name}: ${t.bits} bits${t.encoding & 1 ? ', signed' : ''}`;
    case Kind.PTR:
    case Kind.TYPEDEF:
    case Kind.VOLATILE:
    case Kind.CONST:
    case Kind.RESTRICT:
    case Kind.TYPE_TAG:
      return `${t.kindName.toLowerCase()} ${t.name || '(anon)'} -> [${t.type}]`;
    case Kind.ARRAY:
      return `array [${t.type}] x ${t.nelems}`;
    case Kind.STRUCT:
    case Kind.UNION:
      return `${t.kindName.toLowerCase()} ${t.name || '(anon)'}: ${t.size} bytes, ${t.members.length} members`;
    case Kind.ENUM:
    case Kind.ENUM64:
      return `enum ${t.name || '(anon)'}: ${t.values.map((v) => `${v.name}=${v.value}`).join(', ')}`;
    case Kind.FWD:
      return `fwd ${t.isUnion ? 'union' : 'struct'} ${t.name}`;
    case Kind.FUNC:
      return `func ${t.name} proto [${t.type}]`;
    case Kind.FUNC_PROTO:
      return `proto (${t.params.map((p) => p.name || '_').join(', ')}) -> [${t.returnType}]`;
    case Kind.VAR:
      return `var ${t.name}: [${t.type}]`;
    case Kind.DATASEC:
      return `datasec ${t.name}: ${t.vars.length} vars`;
    case Kind.FLOAT:
      return `float ${t.name}: ${t.size} bytes`;
    case Kind.DECL_TAG:
      return `decl_tag ${t.name} on [${t.type}]`;
    default:
      // A kind newer than this btfkit, sized by the BTF's layout section.
      return `unknown kind ${t.kind}: ${t.data.length} words`;
  }
}

// The reader's words are internal (library code reads them; users read through accessors):
// this line stops compiling if they become part of the published types.
// @ts-expect-error Btf.words is not in the published types
export type InternalWords = Btf['words'];

/** The largest struct or union, as a narrowed `CompositeType`. */
function largestComposite(btf: Btf): CompositeType | undefined {
  let best: CompositeType | undefined;
  for (let id = btf.startId; id < btf.nextId; id++) {
    const t = typeAt(btf, id);
    if ((t.kind === Kind.STRUCT || t.kind === Kind.UNION) && (!best || t.size > best.size)) best = t;
  }
  return best;
}

async function main(argv: readonly string[]): Promise<number> {
  const file = argv[0];
  if (file === undefined) {
    console.error('usage: inspect FILE [-B BASE]');
    return 2;
  }
  const baseAt = argv.indexOf('-B');
  const options: LoadOptions = baseAt >= 0 && argv[baseAt + 1] !== undefined ? { base: argv[baseAt + 1]! } : {};
  const opened: OpenedBtf = await loadBtf(file, options);
  const { btf } = opened;
  console.log(`${file}: ${btf.typeCount} types (${opened.container}, ${btf.endian}-endian${btf.isSplit ? ', split' : ''}), pointers ${pointerSize(btf)} bytes`);

  if (opened.elf) {
    const elf: ElfFile = opened.elf;
    console.log(`ELF: ${elf.machine === EM_BPF ? 'BPF object' : `machine ${elf.machine}`}, ${elf.sections.length} sections`);
    // The same file through btfkit/elf directly, and through the root's openBtf.
    const again = openBtf(parseElf(await decompress(await readInput(file))).bytes, { file });
    if (again.btf.typeCount !== btf.typeCount) throw new Error('openBtf disagrees with loadBtf');
  }

  const shown = Math.min(btf.nextId, btf.startId + 5);
  for (let id = btf.startId; id < shown; id++) console.log(`  [${id}] ${describe(typeAt(btf, id))}`);
  const big = largestComposite(btf);
  if (big) {
    const declOptions: TypeDeclOptions = {};
    console.log(`largest: ${emitTypeDecl(TypeTable.of(btf), big.id, declOptions)} (${big.size} bytes)`);
    console.log(formatRawType(btf, big.id).split('\n')[0]);
  }

  const deduped: DedupResult = dedup(btf);
  const idMap: IdMap = deduped.idMap;
  const moved = idMap.filter((to, from) => to !== from).length;
  console.log(`dedup: ${btf.typeCount} -> ${deduped.btf.typeCount} types, ${moved} ids changed`);

  if (!btf.isSplit) {
    // A BPF object's .BTF before libbpf's fix-ups (DATASEC sizes, extern VARs) is one the
    // kernel would refuse: the findings say which rule each breaks.
    const verdict = (r: CheckReport): string =>
      `kernel ${r.rules.version} verifier: ${r.valid ? 'accepts' : `rejects: ${r.findings.length} findings, first: ${formatFinding(r.findings[0]!)}`}`;
    console.log(verdict(checkBtf(btf.bytes)));
    // Down-converted for an older kernel: what it lacks becomes what it has.
    const sanitized: SanitizeResult = sanitizeBtf(btf, '5.4');
    const changes = Object.entries(sanitized.changes).map(([change, n]) => `${change} x${n}`);
    console.log(`sanitized for 5.4: ${sanitized.btf.typeCount} types${changes.length ? `; ${changes.join(', ')}` : ''}`);
    console.log(verdict(checkBtf(sanitized.bytes, { kernelVersion: '5.4' })));
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // One error type: switch on its code.
  if (!(e instanceof BtfError)) throw e;
  switch (e.code) {
    case 'io':
    case 'truncated':
      console.error(`cannot read: ${e.message}`);
      break;
    case 'relocation-failed':
    case 'core-relocation':
      console.error(`does not fit its base: ${e.rule}`);
      break;
    default:
      console.error(e.message);
  }
  process.exitCode = 1;
}

// A BTF built in code goes through the same API.
const built = new BtfBuilder();
built.addInt('int', 4, 1);
if (typeAt(built.build(), 1).kind !== Kind.INT) throw new Error('builder');
