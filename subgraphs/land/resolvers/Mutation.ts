import { badInput } from '../../../shared/graphql/errors';
import { authorizePlace, authorizeRole, requireText, runMutation, type Outcome } from '../../../shared/subgraph/mutations';
import { findCommune } from '../../../shared/subgraph/references';
import type { Context } from '../context';
import type { RecordedHolding } from '../entities';
import * as writes from '../writes';
import { holderReference } from './LandParcel';

/** Land-use rights are registered by provincial land registration offices (Văn phòng đăng ký đất đai), or centrally. */
const LAND_OFFICES = ['PROVINCE_OFFICER', 'CENTRAL'];

interface HoldingArgs {
  holder: { citizenId?: string | null; taxCode?: string | null };
  share: number;
}

/** A holding of the input, checked: one holder, a share of 0.01–100 with at most two decimals. */
function holdingOf(argument: string, h: HoldingArgs): writes.Holding {
  const { citizenId, taxCode } = h.holder;
  if (Boolean(citizenId) === Boolean(taxCode))
    throw badInput(`${argument}.holder`, h.holder, 'give either citizenId (a resident) or taxCode (an enterprise)');
  const cents = Math.round(h.share * 100);
  if (!Number.isFinite(h.share) || cents <= 0 || cents > writes.ALL_SHARES || Math.abs(h.share * 100 - cents) > 1e-6) {
    throw badInput(`${argument}.share`, h.share, 'must be a percentage above 0 and at most 100, with at most two decimals');
  }
  return citizenId
    ? { holderType: 'RESIDENT', holderId: citizenId, cents, argument }
    : { holderType: 'ENTERPRISE', holderId: taxCode!, cents, argument };
}

/** Checks a list of holdings: none twice; returns them with their total. */
function holdingsOf(argument: string, list: readonly HoldingArgs[]): { holdings: writes.Holding[]; total: number } {
  if (list.length === 0) throw badInput(argument, list, 'must name at least one holder');
  if (list.length > 50) throw badInput(argument, list.length, 'may name at most 50 holders');
  const holdings = list.map((h, i) => holdingOf(`${argument}[${i}]`, h));
  const seen = new Set<string>();
  for (const h of holdings) {
    const k = `${h.holderType}:${h.holderId}`;
    if (seen.has(k)) throw badInput(`${h.argument}.holder`, h.holderId, 'is named twice');
    seen.add(k);
  }
  return { holdings, total: holdings.reduce((sum, h) => sum + h.cents, 0) };
}

/** Every resident and enterprise named must exist, as population and the enterprise register answer. */
async function checkHoldersExist(ctx: Context, holdings: readonly writes.Holding[]): Promise<void> {
  for (const [holderType, typename, keyField] of [
    ['RESIDENT', 'Resident', 'citizenId'],
    ['ENTERPRISE', 'Enterprise', 'taxCode'],
  ] as const) {
    const named = holdings.filter((h) => h.holderType === holderType);
    const found = await ctx.references.find(
      typename,
      keyField,
      named.map((h) => h.holderId),
    );
    const unknown = named.find((h) => !found.has(h.holderId));
    if (unknown)
      throw badInput(
        `${unknown.argument}.holder.${keyField}`,
        unknown.holderId,
        typename === 'Resident' ? 'no living resident with this citizenId is registered' : 'no enterprise with this taxCode is registered',
      );
  }
}

function positiveInteger(argument: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value <= 0 || value > max) throw badInput(argument, value, `must be a whole number from 1 to ${max}`);
}

export const Mutation = {
  registerLandParcel: async (
    _: unknown,
    {
      input,
    }: {
      input: {
        idempotencyKey?: string | null;
        communeCode: string;
        mapSheetNumber: number;
        parcelNumber: number;
        area: number;
        landUseCode: string;
        address: string;
        holdings: HoldingArgs[];
      };
    },
    ctx: Context,
  ) => {
    const field = 'registerLandParcel';
    authorizeRole(ctx, field, LAND_OFFICES);
    positiveInteger('input.mapSheetNumber', input.mapSheetNumber, 100_000);
    positiveInteger('input.parcelNumber', input.parcelNumber, 1_000_000);
    if (
      !Number.isFinite(input.area) ||
      input.area <= 0 ||
      input.area > 1e10 ||
      Math.abs(input.area * 10 - Math.round(input.area * 10)) > 1e-6
    ) {
      throw badInput('input.area', input.area, 'must be an area in m² above 0, with at most one decimal');
    }
    const address = requireText('input.address', input.address, 200);
    const { holdings, total } = holdingsOf('input.holdings', input.holdings);
    if (total !== writes.ALL_SHARES) throw badInput('input.holdings', total / 100, 'the shares must sum to 100');
    const place = await findCommune(ctx.references, input.communeCode, 'input.communeCode');
    authorizePlace(ctx, field, { communeCodes: [place.communeCode], provinceCodes: [place.provinceCode] });
    await checkHoldersExist(ctx, holdings);
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['LandParcel'],
      apply: (em) => writes.registerParcel(ctx, em, { ...input, place, address, holdings }),
    });
  },

  transferLandUseRights: async (
    _: unknown,
    {
      input,
    }: { input: { idempotencyKey?: string | null; parcelId: string; expectedVersion: number; from: HoldingArgs[]; to: HoldingArgs[] } },
    ctx: Context,
  ) => {
    const field = 'transferLandUseRights';
    authorizeRole(ctx, field, LAND_OFFICES);
    const from = holdingsOf('input.from', input.from);
    const to = holdingsOf('input.to', input.to);
    if (from.total !== to.total)
      throw badInput('input.to', to.total / 100, `the shares received must sum to the shares given up (${from.total / 100})`);
    const givers = new Set(from.holdings.map((h) => `${h.holderType}:${h.holderId}`));
    const both = to.holdings.find((h) => givers.has(`${h.holderType}:${h.holderId}`));
    if (both) throw badInput(`${both.argument}.holder`, both.holderId, 'gives and receives in the same transfer');
    await checkHoldersExist(ctx, to.holdings);
    return runMutation(ctx, {
      field,
      input,
      invalidates: ['LandParcel'],
      apply: (em) =>
        writes.transferRights(ctx, em, {
          parcelId: input.parcelId,
          expectedVersion: input.expectedVersion,
          from: from.holdings,
          to: to.holdings,
        }),
    });
  },
};

/** The payload of a land write: the parcel as it is now, and the transfer recorded. */
export const LandParcelChange = {
  parcel: (change: Outcome<writes.LandChange>, _: unknown, ctx: Context) => ctx.loaders.parcelById.load(change.parcelId),
  transfer: (change: Outcome<writes.LandChange>, _: unknown, ctx: Context) =>
    change.transferId ? ctx.loaders.transferById.load(change.transferId) : null,
};

const holdings = (list: RecordedHolding[]) => list.map((h) => ({ holder: holderReference(h), share: h.share }));

/** A transfer of the parcel's history. */
export const LandTransfer = {
  parcel: (t: { parcelId: string }, _: unknown, ctx: Context) => ctx.loaders.parcelById.load(t.parcelId),
  from: (t: { sharesFrom: RecordedHolding[] }) => holdings(t.sharesFrom),
  to: (t: { sharesTo: RecordedHolding[] }) => holdings(t.sharesTo),
  holdingsAfter: (t: { holdingsAfter: RecordedHolding[] }) => holdings(t.holdingsAfter),
};
