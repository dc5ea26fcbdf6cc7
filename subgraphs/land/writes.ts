import { randomInt } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { badInput } from '../../shared/graphql/errors';
import { authorizePlace, checkVersion, issueUnused, missing, type Change, type MutationContext } from '../../shared/subgraph/mutations';
import type { LandParcel, RecordedHolding } from './entities';
import { parcelColumns } from './loaders';

/**
 * The changes land registration offices record in the land database. Each function runs inside the
 * mutation's transaction (shared/subgraph/mutations.ts) with its EntityManager only. Shares are handled in
 * hundredths of a percent (integers), so they add up exactly: a parcel's shares always sum to 100.
 */

export type HolderType = 'RESIDENT' | 'ENTERPRISE';

/** A holder and a share, as checked by Mutation.ts: `cents` is the share in hundredths of a percent. */
export interface Holding {
  holderType: HolderType;
  holderId: string;
  cents: number;
  /** Where it came from in the input, to name it in errors (`input.to[1]`). */
  argument: string;
}

/** What a land change returns: the parcel and, for a transfer, its history entry. */
export interface LandChange {
  parcelId: string;
  transferId: string | null;
}

/** All of a parcel's rights, in hundredths of a percent. */
export const ALL_SHARES = 10_000;
const key = (h: { holderType: string; holderId: string }) => `${h.holderType}:${h.holderId}`;
const recorded = (h: { holderType: HolderType; holderId: string; cents: number }): RecordedHolding => ({
  holderType: h.holderType,
  holderId: h.holderId,
  share: h.cents / 100,
});
const residentsAmong = (holdings: readonly { holderType: string; holderId: string }[]) =>
  holdings.filter((h) => h.holderType === 'RESIDENT').map((h) => h.holderId);

/** Letters of certificate series (Vietnamese alphabet without diacritics; F, J, W, Z, I unused). */
const SERIES_LETTERS = 'ABCDEGHKLMNOPQRSTUVXY';

/** A certificate number like "DK 407319" not yet issued. */
function issueCertificateNumber(em: EntityManager): Promise<string> {
  const letter = () => SERIES_LETTERS[randomInt(SERIES_LETTERS.length)]!;
  return issueUnused(
    'certificate number',
    () => `${letter()}${letter()} ${String(randomInt(1_000_000)).padStart(6, '0')}`,
    async (number) => ((await em.query(`SELECT 1 FROM land.land_parcel WHERE certificate_number = $1`, [number])) as unknown[]).length > 0,
  );
}

async function writeHoldings(
  em: EntityManager,
  parcelId: string,
  holdings: readonly { holderType: HolderType; holderId: string; cents: number }[],
) {
  await em.query(`DELETE FROM land.parcel_holder WHERE parcel_id = $1::bigint`, [parcelId]);
  if (holdings.length === 0) return;
  await em.query(
    `INSERT INTO land.parcel_holder (parcel_id, province_code, holder_type, holder_id, share)
     SELECT $1::bigint, k.province_code, t, i, s / 100.0 FROM unnest($2::text[], $3::text[], $4::int[]) AS h(t, i, s)
     JOIN land.parcel_key k ON k.id = $1::bigint`,
    [parcelId, holdings.map((h) => h.holderType), holdings.map((h) => h.holderId), holdings.map((h) => h.cents)],
  );
}

export interface ParcelInput {
  place: { communeCode: string; provinceCode: string };
  mapSheetNumber: number;
  parcelNumber: number;
  area: number;
  landUseCode: string;
  address: string;
  holdings: Holding[];
}

/** Đăng ký đất đai lần đầu: a parcel, its holders, and its first certificate. */
export async function registerParcel(ctx: MutationContext, em: EntityManager, input: ParcelInput): Promise<Change<LandChange>> {
  const type = (await em.query(`SELECT 1 FROM land.land_use_type WHERE code = $1`, [input.landUseCode])) as unknown[];
  if (type.length === 0)
    throw badInput('input.landUseCode', input.landUseCode, 'is not a land-use type of the classification (see landUseTypes)');
  const taken = (await em.query(
    `SELECT id::text AS id FROM land.land_parcel WHERE commune_code = $1 AND map_sheet_number = $2 AND parcel_number = $3`,
    [input.place.communeCode, input.mapSheetNumber, input.parcelNumber],
  )) as { id: string }[];
  if (taken.length > 0) {
    throw badInput(
      'input.parcelNumber',
      input.parcelNumber,
      `parcel ${input.parcelNumber} of map sheet ${input.mapSheetNumber} is already registered in this commune`,
    );
  }
  const [{ id }] = (await em.query(`SELECT nextval('land.land_parcel_id_seq')::text AS id`)) as [{ id: string }];
  const certificate = await issueCertificateNumber(em);
  await em.query(
    `INSERT INTO land.land_parcel (id, province_code, commune_code, map_sheet_number, parcel_number, area, land_use_code, certificate_number, address)
     VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      input.place.provinceCode,
      input.place.communeCode,
      input.mapSheetNumber,
      input.parcelNumber,
      input.area,
      input.landUseCode,
      certificate,
      input.address,
    ],
  );
  await writeHoldings(em, id, input.holdings);
  return { result: { parcelId: id, transferId: null }, subjects: residentsAmong(input.holdings) };
}

export interface TransferInput {
  parcelId: string;
  expectedVersion: number;
  from: Holding[];
  to: Holding[];
}

/**
 * Chuyển quyền sử dụng đất: moves shares from current holders to new ones (all of a holder's share
 * or part of it), issues a new certificate and records the transfer in the parcel's history. Based
 * on the version the client read: if the parcel changed since (another transfer came first), CONFLICT.
 */
export async function transferRights(ctx: MutationContext, em: EntityManager, input: TransferInput): Promise<Change<LandChange>> {
  if (!/^[1-9]\d{0,17}$/.test(input.parcelId)) throw badInput('input.parcelId', input.parcelId, 'must be a parcel id (digits)');
  const [parcel] = (await em.query(`SELECT ${parcelColumns('p')} FROM land.land_parcel p WHERE p.id = $1::bigint FOR UPDATE`, [
    input.parcelId,
  ])) as LandParcel[];
  if (!parcel) throw missing('LandParcel', 'input.parcelId', input.parcelId);
  authorizePlace(ctx, 'transferLandUseRights', { communeCodes: [parcel.communeCode], provinceCodes: [parcel.provinceCode] }, [], {
    type: 'LandParcel',
    key: 'input.parcelId',
    value: input.parcelId,
  });
  checkVersion('LandParcel', parcel.id, parcel.version, input.expectedVersion);
  const current = (await em.query(
    `SELECT holder_type AS "holderType", holder_id AS "holderId", round(share * 100)::int AS cents FROM land.parcel_holder WHERE parcel_id = $1::bigint`,
    [parcel.id],
  )) as { holderType: HolderType; holderId: string; cents: number }[];
  const holdings = new Map(current.map((h) => [key(h), { ...h }]));
  for (const given of input.from) {
    const held = holdings.get(key(given));
    if (!held) throw badInput(`${given.argument}.holder`, given.holderId, 'holds no share of this parcel');
    if (held.cents < given.cents)
      throw badInput(`${given.argument}.share`, given.cents / 100, `exceeds the holder's share (${held.cents / 100})`);
    held.cents -= given.cents;
  }
  for (const received of input.to) {
    const held = holdings.get(key(received));
    if (held) held.cents += received.cents;
    else holdings.set(key(received), { holderType: received.holderType, holderId: received.holderId, cents: received.cents });
  }
  const after = [...holdings.values()].filter((h) => h.cents > 0).sort((a, b) => b.cents - a.cents || key(a).localeCompare(key(b)));
  await writeHoldings(em, parcel.id, after);
  const certificate = await issueCertificateNumber(em);
  await em.query(`UPDATE land.land_parcel SET certificate_number = $2, version = version + 1 WHERE id = $1::bigint`, [
    parcel.id,
    certificate,
  ]);
  const [{ id }] = (await em.query(
    `INSERT INTO land.parcel_transfer (parcel_id, parcel_version, shares_from, shares_to, holdings_after, previous_certificate_number, certificate_number)
     VALUES ($1::bigint, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7) RETURNING id::text AS id`,
    [
      parcel.id,
      parcel.version + 1,
      JSON.stringify(input.from.map(recorded)),
      JSON.stringify(input.to.map(recorded)),
      JSON.stringify(after.map(recorded)),
      parcel.certificateNumber,
      certificate,
    ],
  )) as [{ id: string }];
  return {
    result: { parcelId: parcel.id, transferId: id },
    subjects: [...new Set([...residentsAmong(current), ...residentsAmong(after)])],
  };
}
