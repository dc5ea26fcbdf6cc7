import type { Context } from '../context';
import type { LegacyUnit as LegacyUnitRow } from '../entities';
import { legacyKey } from '../loaders';

export const LegacyUnit = {
  legacyProvince: (u: LegacyUnitRow, _: unknown, ctx: Context) =>
    u.legacyProvinceCode ? ctx.loaders.legacyUnitByKey.load(legacyKey('PROVINCE', u.legacyProvinceCode)) : null,
  legacyDistrict: (u: LegacyUnitRow, _: unknown, ctx: Context) =>
    u.legacyDistrictCode ? ctx.loaders.legacyUnitByKey.load(legacyKey('DISTRICT', u.legacyDistrictCode)) : null,
  successorProvince: (u: LegacyUnitRow, _: unknown, ctx: Context) => ctx.loaders.provinceByCode.load(u.newProvinceCode),
  /** Communes for communes and island districts; the new province otherwise. */
  successors: async (u: LegacyUnitRow, _: unknown, ctx: Context) => {
    const links = u.level === 'PROVINCE' ? [] : await ctx.loaders.successorsOf.load(legacyKey(u.level, u.code));
    const codes = links.map((l) => l.communeCode);
    if (codes.length === 0) return [await ctx.loaders.provinceByCode.load(u.newProvinceCode)];
    return ctx.loaders.communeByCode.loadMany(codes);
  },
};
