import { CODE_PATTERNS } from '../../../shared/codes';
import type { Context } from '../context';
import type { LandParcel as LandParcelRow, ParcelHolder } from '../entities';

/** A holder as a federated reference: the owning subgraph resolves its fields. */
const reference = (h: ParcelHolder) =>
  h.holderType === 'RESIDENT' ? { __typename: 'Resident', citizenId: h.holderId } : { __typename: 'Enterprise', taxCode: h.holderId };

export const LandParcel = {
  __resolveReference: (ref: { id: string }, ctx: Context) =>
    CODE_PATTERNS.numericId.test(ref.id) ? ctx.loaders.parcelById.load(ref.id) : null,
  province: (p: LandParcelRow) => ({ code: p.provinceCode }),
  commune: (p: LandParcelRow) => ({ code: p.communeCode }),
  landUse: (p: LandParcelRow, _: unknown, ctx: Context) => ctx.loaders.landUseByCode.load(p.landUseCode),
  holders: async (p: LandParcelRow, _: unknown, ctx: Context) => (await ctx.loaders.holdingsOfParcel.load(p.id)).map(reference),
  holdings: async (p: LandParcelRow, _: unknown, ctx: Context) =>
    (await ctx.loaders.holdingsOfParcel.load(p.id)).map((h) => ({ holder: reference(h), share: h.share })),
};

export const LandHolder = {
  __resolveType: (holder: { __typename: string }) => holder.__typename,
};
