import type { PageArgs } from '../../../shared/db/pagination';
import type { Context } from '../context';
import type { Province as ProvinceRow } from '../entities';
import { legacyKey } from '../loaders';

export const Province = {
  __resolveReference: (ref: { code: string }, ctx: Context) => ctx.loaders.provinceByCode.load(ref.code),
  level: () => 'PROVINCE',
  communes: (p: ProvinceRow, args: PageArgs & { type?: string | null }, ctx: Context) =>
    ctx.loaders.communesOfProvince(args, args.type ?? null).load(p.code),
  mergedFrom: (p: ProvinceRow, _: unknown, ctx: Context) => ctx.loaders.mergedFromByProvince.load(p.code),
  changes: (p: ProvinceRow, _: unknown, ctx: Context) => ctx.loaders.changesByUnit.load(legacyKey('PROVINCE', p.code)),
};
