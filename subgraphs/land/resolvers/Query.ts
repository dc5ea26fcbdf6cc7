import { checkCode } from '../../../shared/graphql/codes';
import { badInput, ErrorCode, notFound } from '../../../shared/graphql/errors';
import { parsePageArgs, toConnection, type PageArgs } from '../../../shared/db/pagination';
import type { Context } from '../context';
import { PARCEL_LIST } from '../loaders';
import { createRepository, type ParcelFilter } from '../repository';
import { checkLandUseCode } from './LandUseType';
import { checkCommuneInProvince } from '../../../shared/subgraph/references';

interface FilterArgs {
  provinceCode?: string | null;
  communeCode?: string | null;
  landUseCode?: string | null;
  holderCitizenId?: string | null;
  holderTaxCode?: string | null;
  mapSheetNumber?: number | null;
  parcelNumber?: number | null;
  certificateNumber?: string | null;
}

function positive(argument: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw badInput(argument, value, 'must be a positive integer');
  return value;
}

/** Checks every given field; refuses a filter that would scan the whole country. */
async function checkFilter(f: FilterArgs, ctx: Context): Promise<ParcelFilter> {
  const filter: ParcelFilter = {};
  if (f.provinceCode != null) filter.provinceCode = checkCode('provinceCode', 'filter.provinceCode', f.provinceCode);
  // communeCode, holderCitizenId and holderTaxCode were checked by their scalars; provinceCode is an ID.
  if (f.communeCode != null) filter.communeCode = f.communeCode;
  if (f.holderCitizenId != null) filter.holderCitizenId = f.holderCitizenId;
  if (f.holderTaxCode != null) filter.holderTaxCode = f.holderTaxCode;
  if (f.certificateNumber != null) {
    if (!/^[\p{L}\d -]{1,20}$/u.test(f.certificateNumber))
      throw badInput('filter.certificateNumber', f.certificateNumber, 'must be 1 to 20 letters, digits or spaces');
    filter.certificateNumber = f.certificateNumber;
  }
  if (f.mapSheetNumber != null) filter.mapSheetNumber = positive('filter.mapSheetNumber', f.mapSheetNumber);
  if (f.parcelNumber != null) filter.parcelNumber = positive('filter.parcelNumber', f.parcelNumber);
  if (f.landUseCode != null) filter.landUseCode = await checkLandUseCode('filter.landUseCode', f.landUseCode, ctx);
  if (!filter.provinceCode && !filter.communeCode && !filter.holderCitizenId && !filter.holderTaxCode && !filter.certificateNumber) {
    throw badInput(
      'filter',
      f,
      'give at least one of provinceCode, communeCode, holderCitizenId, holderTaxCode, certificateNumber',
      ErrorCode.FILTER_TOO_BROAD,
    );
  }
  if (filter.provinceCode && filter.communeCode)
    await checkCommuneInProvince(ctx.references, filter.communeCode, filter.provinceCode, 'filter');
  return filter;
}

export const Query = {
  landParcels: async (_: unknown, args: PageArgs & { filter: FilterArgs }, ctx: Context) => {
    const page = parsePageArgs(PARCEL_LIST, args);
    const { rows, total } = await createRepository(ctx.db, ctx.jurisdiction).parcels(await checkFilter(args.filter, ctx), page);
    return toConnection(PARCEL_LIST, page, rows, total, (p) => p.id);
  },
  landParcel: async (_: unknown, args: { id: string }, ctx: Context) => {
    const id = checkCode('numericId', 'id', args.id);
    return (await ctx.loaders.parcelById.load(id)) ?? Promise.reject(notFound('LandParcel', 'id', id));
  },
  landUseTypes: (_: unknown, __: unknown, ctx: Context) => createRepository(ctx.db, ctx.jurisdiction).landUseTypes(),
};
