import type { Context } from '../context';
import type { Commune as CommuneRow } from '../entities';
import { legacyKey } from '../loaders';

export const Commune = {
  __resolveReference: (ref: { code: string }, ctx: Context) => ctx.loaders.communeByCode.load(ref.code),
  level: () => 'COMMUNE',
  province: (c: CommuneRow, _: unknown, ctx: Context) => ctx.loaders.provinceByCode.load(c.provinceCode),
  predecessors: (c: CommuneRow, _: unknown, ctx: Context) => ctx.loaders.predecessorsByCommune.load(c.code),
  changes: (c: CommuneRow, _: unknown, ctx: Context) => ctx.loaders.changesByUnit.load(legacyKey('COMMUNE', c.code)),
};
