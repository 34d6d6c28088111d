/**
 * Worker thread for `btfkit encode --jobs N`: reads the DWARF of the shared file once, then
 * walks the units it is asked for (in increasing order) and posts each draft back; the main
 * thread finishes them in unit order (src/ops/encode/draft.ts).
 */

import { parentPort, workerData } from 'node:worker_threads';
import { parseElf } from '../elf/elf.js';
import { DieCursor, DwarfInfo } from '../dwarf/reader.js';
import { loadDwarfSections } from '../dwarf/sections.js';
import { parameterLocationInputs } from '../ops/encode/locations.js';
import { encoderSlotMap, UnitEncoder } from '../ops/encode/cu.js';
import { KeyedNames } from '../ops/encode/draft.js';
import { parseFeatures } from '../ops/encode/features.js';
import { BtfError } from '../wire/errors.js';

export interface EncodeWorkerInit {
  readonly bytes: Uint8Array;
  readonly file: string | undefined;
  readonly features: string | undefined;
  readonly walker: number;
}

export type EncodeWorkerReply =
  | { readonly index: number; readonly walker: number; readonly draft: ReturnType<UnitEncoder['exportDraft']> | undefined; readonly newNames: string[] }
  | { readonly index: number; readonly error: { code: BtfError['code']; rule: string; file?: string; offset?: number; section?: string } | { message: string } };

const init = workerData as EncodeWorkerInit;
const port = parentPort!;

const ready = (async () => {
  const elf = parseElf(init.bytes);
  const features = parseFeatures(init.features);
  const locations = parameterLocationInputs(elf.machine, features);
  const sections = await loadDwarfSections(elf, { file: init.file, lists: locations.lists });
  const dwarf = new DwarfInfo(sections);
  const names = new KeyedNames();
  return { dwarf, names, encoder: new UnitEncoder(dwarf, new DieCursor(dwarf, encoderSlotMap()), features, names, undefined, locations.registers) };
})();

let queue = Promise.resolve();
port.on('message', (index: number | null) => {
  if (index === null) {
    void queue.then(() => port.close());
    return;
  }
  queue = queue.then(async () => {
    try {
      const { dwarf, names, encoder } = await ready;
      const unit = dwarf.units[index];
      if (!unit) throw new BtfError('invalid-argument', `no unit ${index}`);
      const draft = encoder.walkUnit(unit) ? encoder.exportDraft() : undefined;
      const transfer = draft ? [draft.words.buffer, draft.recOff.buffer, draft.recLen.buffer, draft.dies.buffer, draft.paramName.buffer, draft.paramType.buffer, draft.paramOrigin.buffer, draft.paramDie.buffer] : [];
      port.postMessage({ index, walker: init.walker, draft, newNames: names.takeNew() } satisfies EncodeWorkerReply, transfer as ArrayBuffer[]);
    } catch (e) {
      const error = e instanceof BtfError ? { code: e.code, rule: e.rule, ...(e.file !== undefined ? { file: e.file } : {}), ...(e.offset !== undefined ? { offset: e.offset } : {}), ...(e.section !== undefined ? { section: e.section } : {}) } : { message: (e as Error).message };
      port.postMessage({ index, error } satisfies EncodeWorkerReply);
    }
  });
});
