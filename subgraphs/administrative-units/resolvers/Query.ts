import { checkCode } from '../../../shared/graphql/codes';
import { badInput, notFound } from '../../../shared/graphql/errors';
import { parsePageArgs, toConnection, type PageArgs } from '../../../shared/db/pagination';
import type { Context } from '../context';
import { COMMUNE_LIST, LEGACY_LIST, legacyKey } from '../loaders';
import { createRepository } from '../repository';
import { searchPattern } from '../../../shared/graphql/text';

const LEGACY_CODE_KIND = { PROVINCE: 'provinceCode', DISTRICT: 'districtCode', COMMUNE: 'communeCode' } as const;
type Level = keyof typeof LEGACY_CODE_KIND;

export const Query = {
  provinces: (_: unknown, args: { search?: string | null }, ctx: Context) =>
    createRepository(ctx.db).provinces(args.search == null ? null : searchPattern('search', args.search)),

  province: async (_: unknown, args: { code: string }, ctx: Context) => {
    const { code } = args; // checked by the ProvinceCode scalar
    return (await ctx.loaders.provinceByCode.load(code)) ?? Promise.reject(notFound('Province', 'code', code));
  },

  commune: async (_: unknown, args: { code: string }, ctx: Context) => {
    const code = checkCode('communeCode', 'code', args.code);
    return (await ctx.loaders.communeByCode.load(code)) ?? Promise.reject(notFound('Commune', 'code', code));
  },

  communes: async (
    _: unknown,
    args: PageArgs & { filter?: { provinceCode?: string | null; type?: string | null; search?: string | null } | null },
    ctx: Context,
  ) => {
    const page = parsePageArgs(COMMUNE_LIST, args);
    const f = args.filter ?? {};
    const filter = {
      provinceCode: f.provinceCode ?? null, // checked by the ProvinceCode scalar
      type: f.type ?? null,
      search: f.search == null ? null : searchPattern('filter.search', f.search),
    };
    const { rows, total } = await createRepository(ctx.db).communes(filter, page);
    return toConnection(COMMUNE_LIST, page, rows, total, (c) => c.code);
  },

  legacyUnit: async (_: unknown, args: { code: string; level: Level }, ctx: Context) => {
    const kind = LEGACY_CODE_KIND[args.level];
    if (!kind) throw badInput('level', args.level, 'must be PROVINCE, DISTRICT or COMMUNE');
    const code = checkCode(kind, 'code', args.code);
    return (await ctx.loaders.legacyUnitByKey.load(legacyKey(args.level, code))) ?? Promise.reject(notFound('LegacyUnit', 'code', code));
  },

  legacyUnits: async (_: unknown, args: PageArgs & { search: string; level?: Level | null }, ctx: Context) => {
    const page = parsePageArgs(LEGACY_LIST, args);
    const { rows, total } = await createRepository(ctx.db).legacyUnits(searchPattern('search', args.search), args.level ?? null, page);
    return toConnection(LEGACY_LIST, page, rows, total, (u) => legacyKey(u.level, u.code));
  },
};
