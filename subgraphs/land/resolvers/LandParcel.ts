import { CODE_PATTERNS } from '../../../shared/graphql/codes';
import type { Context } from '../context';
import { parcelKey } from '../loaders';
import type { LandParcel as LandParcelRow, ParcelHolder } from '../entities';

/** A holder as a federated reference: the owning subgraph resolves its fields. */
export const holderReference = (h: Pick<ParcelHolder, 'holderType' | 'holderId'>) =>
  h.holderType === 'RESIDENT' ? { __typename: 'Resident', citizenId: h.holderId } : { __typename: 'Enterprise', taxCode: h.holderId };

export const LandParcel = {
  __resolveReference: (ref: { id: string }, ctx: Context) =>
    CODE_PATTERNS.numericId.test(ref.id) ? ctx.loaders.parcelById.load(ref.id) : null,
  province: (p: LandParcelRow) => ({ code: p.provinceCode }),
  commune: (p: LandParcelRow) => ({ code: p.communeCode }),
  landUse: (p: LandParcelRow, _: unknown, ctx: Context) => ctx.loaders.landUseByCode.load(p.landUseCode),
  holders: async (p: LandParcelRow, _: unknown, ctx: Context) =>
    (await ctx.loaders.holdingsOfParcel.load(parcelKey(p))).map(holderReference),
  holdings: async (p: LandParcelRow, _: unknown, ctx: Context) =>
    (await ctx.loaders.holdingsOfParcel.load(parcelKey(p))).map((h) => ({ holder: holderReference(h), share: h.share })),
  transfers: (p: LandParcelRow, _: unknown, ctx: Context) => ctx.loaders.transfersOfParcel.load(p.id),
};

export const LandHolder = {
  __resolveType: (holder: { __typename: string }) => holder.__typename,
};
