import { badInput, ErrorCode, notFound } from '../../../shared/graphql/errors';
import { parsePageArgs, toConnection, type PageArgs } from '../../../shared/db/pagination';
import { searchPattern } from '../../../shared/graphql/text';
import type { Context } from '../context';
import { ENTERPRISE_LIST } from '../loaders';
import { createRepository } from '../repository';
import { checkCommuneInProvince } from '../../../shared/subgraph/references';

interface FilterArgs {
  provinceCode?: string | null;
  communeCode?: string | null;
  status?: string | null;
  search?: string | null;
}

export const Query = {
  enterprise: async (_: unknown, args: { taxCode: string }, ctx: Context) => {
    // Format and check digit were checked by the TaxCode scalar.
    const { taxCode } = args;
    return (await ctx.loaders.enterpriseByTaxCode.load(taxCode)) ?? Promise.reject(notFound('Enterprise', 'taxCode', taxCode));
  },
  enterprises: async (_: unknown, args: PageArgs & { filter: FilterArgs }, ctx: Context) => {
    const page = parsePageArgs(ENTERPRISE_LIST, args);
    const f = args.filter;
    const filter = {
      // Formats checked by the ProvinceCode and CommuneCode scalars.
      provinceCode: f.provinceCode ?? null,
      communeCode: f.communeCode ?? null,
      status: f.status ?? null,
      search: f.search == null ? null : searchPattern('filter.search', f.search),
    };
    if (!filter.provinceCode && !filter.communeCode && !filter.search) {
      throw badInput('filter', f, 'give at least one of provinceCode, communeCode, search', ErrorCode.FILTER_TOO_BROAD);
    }
    if (filter.provinceCode && filter.communeCode)
      await checkCommuneInProvince(ctx.references, filter.communeCode, filter.provinceCode, 'filter');
    const { rows, total } = await createRepository(ctx.db).enterprises(filter, page);
    return toConnection(ENTERPRISE_LIST, page, rows, total, (e) => e.taxCode);
  },
};
