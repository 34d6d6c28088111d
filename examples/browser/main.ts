// A browser page over a BTF file the user picks (raw BTF, vmlinux, .ko[.gz|.xz|.zst], BPF
// object): no Node API anywhere, bundled for the browser by `npm run examples`. The page:
//   <input type="file" id="file"> <input id="name" placeholder="struct name"> <pre id="out"></pre>
import { decompress, type OpenedBtf, openBtf } from 'btfkit';
import { isElf, parseElf } from 'btfkit/elf';
import { formatPahole, type PaholeResult } from 'btfkit/format';
import { type BtfType, typeAt } from 'btfkit/model';
import { type AbiDiffReport, diffBtf, type WhereResult, whereMember } from 'btfkit/ops';
import { type Btf, BtfError, Kind } from 'btfkit/wire';

/** Members of a struct or union as `name: type id @ bit offset`; anything else says what it is. */
function membersOf(t: BtfType): string[] {
  if (t.kind === Kind.STRUCT || t.kind === Kind.UNION) return t.members.map((m) => `${m.name || '(anon)'}: [${m.type}] @${m.bitOffset}`);
  if (t.kind === Kind.TYPEDEF) return [`typedef of [${t.type}]`];
  return [`a ${t.kindName}`];
}

/** Open what the user picked: decompress, then raw BTF or ELF. */
async function open(file: File): Promise<OpenedBtf> {
  const bytes = await decompress(new Uint8Array(await file.arrayBuffer()));
  if (isElf(bytes)) console.log(`${file.name}: ELF machine ${parseElf(bytes).machine}`);
  return openBtf(bytes, { file: file.name });
}

function show(btf: Btf, name: string): string {
  const id = btf.findByNameKind(name, Kind.STRUCT) ?? btf.findByNameKind(name, Kind.UNION);
  if (id === undefined) return `no struct or union named ${name}`;
  const t = typeAt(btf, id);
  const lines = membersOf(t);
  const first = t.kind === Kind.STRUCT || t.kind === Kind.UNION ? t.members[0]?.name : undefined;
  if (first) {
    const where: WhereResult[] = whereMember([{ file: 'picked', btf }], `${name}.${first}`);
    lines.push(`${name}.${first}: ${where[0]?.present ? `bit ${where[0].offset_bits}, ${where[0].c_type}` : 'not found'}`);
  }
  const layout: PaholeResult = formatPahole(btf, [name]);
  const self: AbiDiffReport = diffBtf(btf, btf);
  lines.push('', layout.text, `diff with itself: ${self.changes.length} changes`);
  return lines.join('\n');
}

const input = document.querySelector<HTMLInputElement>('#file');
const nameInput = document.querySelector<HTMLInputElement>('#name');
const out = document.querySelector<HTMLPreElement>('#out');
input?.addEventListener('change', async () => {
  const file = input.files?.[0];
  if (!file || !out) return;
  try {
    const { btf } = await open(file);
    out.textContent = show(btf, nameInput?.value || 'task_struct');
  } catch (e) {
    out.textContent = e instanceof BtfError ? `${e.code}: ${e.message}` : String(e);
  }
});
