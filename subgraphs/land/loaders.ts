import { In, type DataSource } from 'typeorm';
import { loaderCaches, type EntityCaching } from '../../shared/cache/entityCache';
import { scopeCondition, type Jurisdiction, type ScopeColumns } from '../../shared/auth/jurisdiction';
import { groupedLoader, keyedLoader } from '../../shared/db/loaders';
import { keysetSource } from '../../shared/db/keyset';
import { connectionLoaders, type ListKind } from '../../shared/db/pagination';
import { communeProvincesLookup, provincesOf, type ProvinceIndex } from '../../shared/db/partitions';
import { LandUseType, type LandParcel, type ParcelHolder, type ParcelTransfer } from './entities';

export const PARCEL_LIST: ListKind = { name: 'land-parcel', keyPattern: /^[1-9]\d{0,17}$/ };

/** The columns of a parcel row, read from table alias `t`. */
export const parcelColumns = (t: string): string => `${t}.id::text AS id, ${t}.province_code AS "provinceCode",
  ${t}.commune_code AS "communeCode", ${t}.map_sheet_number AS "mapSheetNumber", ${t}.parcel_number AS "parcelNumber",
  ${t}.area::float8 AS area, ${t}.land_use_code AS "landUseCode", ${t}.certificate_number AS "certificateNumber", ${t}.address, ${t}.version`;

const TRANSFER_COLUMNS = `t.id::text AS id, t.parcel_id::text AS "parcelId",
  to_char(t.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "recordedAt", t.parcel_version AS "parcelVersion",
  t.shares_from AS "sharesFrom", t.shares_to AS "sharesTo", t.holdings_after AS "holdingsAfter",
  t.previous_certificate_number AS "previousCertificateNumber", t.certificate_number AS "certificateNumber"`;

/**
 * Jurisdiction over parcels, on table alias `t`: where the parcel lies; a citizen sees the parcels
 * they hold rights on. Land records are not public: the public sees none.
 */
export const parcelScope = (t: string): ScopeColumns => ({
  commune: [`${t}.commune_code`],
  province: [`${t}.province_code`],
  communeProvince: { commune: `${t}.commune_code`, province: `${t}.province_code` },
  self: (p) =>
    `EXISTS (SELECT 1 FROM land.parcel_holder s WHERE s.parcel_id = ${t}.id AND s.province_code = ${t}.province_code
       AND s.holder_type = 'RESIDENT' AND s.holder_id = ${p})`,
});

/**
 * The provinces holding a commune's parcels, and those holding a holder's rights, from this
 * subgraph's own rows (migration 1770000000002-ProvinceIndexes): the parcels of a commune or of a
 * holder are read in those provinces' partitions alone ({@link ProvinceIndex}). A holder's parcels
 * may lie in any province, not their residence's: hence a table of holders, not the resident's
 * commune (which this subgraph does not know).
 */
export const COMMUNE_PROVINCES: ProvinceIndex = {
  table: 'land.commune_province',
  keys: [{ name: 'commune_code', type: 'varchar(5)' }],
  sources: [{ table: 'land.land_parcel', keys: ['commune_code'], province: 'province_code' }],
};
export const HOLDER_PROVINCES: ProvinceIndex = {
  table: 'land.holder_province',
  keys: [
    { name: 'holder_type', type: 'varchar(10)' },
    { name: 'holder_id', type: 'varchar(13)' },
  ],
  sources: [{ table: 'land.parcel_holder', keys: ['holder_type', 'holder_id'], province: 'province_code' }],
};

/** `province:id`, a parcel's key with its partition's province. */
export const parcelKey = (p: { provinceCode: string; id: string }): string => `${p.provinceCode}:${p.id}`;

/** `TYPE:id`, the key of a holder (a resident's citizen ID or an enterprise's tax code). */
export const holderKey = (type: 'RESIDENT' | 'ENTERPRISE', id: string): string => `${type}:${id}`;

/**
 * Per-request loaders of this subgraph, reading only parcels within `jurisdiction`: one SQL
 * statement per batch, whatever the batch size (the parcels of communes or holders: one more before
 * it, their provinces). Land records are not public (holders are
 * personal): only the land-use classification shares one cache key space across callers.
 */
export function createLoaders(db: DataSource, jurisdiction: Jurisdiction, cache: EntityCaching) {
  const { scoped, shared } = loaderCaches(cache, 'land', jurisdiction);
  const scope = (alias: string, first: number) => scopeCondition(jurisdiction, parcelScope(alias), first);
  /** The provinces of a list's communes: the officer's own when their token states it, else COMMUNE_PROVINCES (once per request). */
  const provincesOfCommunes = communeProvincesLookup(db, COMMUNE_PROVINCES, jurisdiction);
  return {
    parcelById: keyedLoader(
      (ids: readonly string[]): Promise<LandParcel[]> => {
        const s = scope('land_parcel', 2);
        return db.query(`SELECT ${parcelColumns('land_parcel')} FROM land.land_parcel WHERE id = ANY($1::bigint[]) AND ${s.sql}`, [
          ids,
          ...s.params,
        ]);
      },
      (p) => p.id,
      scoped('parcelById', ['LandParcel']),
    ),
    landUseByCode: keyedLoader(
      (codes: readonly string[]) => db.getRepository(LandUseType).findBy({ code: In([...codes]) }),
      (t) => t.code,
      shared('landUseByCode', ['LandUseType']),
    ),
    /** By `province:id` (parcelKey): a parcel's holders are in its province's partition, which the statement names. */
    holdingsOfParcel: groupedLoader(
      (keys: readonly string[]): Promise<(ParcelHolder & { provinceCode: string })[]> =>
        db.query(
          `SELECT parcel_id::text AS "parcelId", province_code AS "provinceCode", holder_type AS "holderType", holder_id AS "holderId",
             share::float8 AS share
           FROM land.parcel_holder WHERE parcel_id = ANY($1::bigint[]) AND province_code = ANY($2::text[])
           ORDER BY share DESC, holder_type, holder_id`,
          [keys.map((k) => k.split(':')[1]), [...new Set(keys.map((k) => k.split(':')[0]))]],
        ),
      (h) => parcelKey({ provinceCode: h.provinceCode, id: h.parcelId }),
      scoped('holdingsOfParcel', ['LandParcel']),
    ),
    /** The transfer history of parcels already read within the jurisdiction, oldest first. */
    transfersOfParcel: groupedLoader(
      (ids: readonly string[]): Promise<ParcelTransfer[]> =>
        db.query(`SELECT ${TRANSFER_COLUMNS} FROM land.parcel_transfer t WHERE t.parcel_id = ANY($1::bigint[]) ORDER BY t.id`, [ids]),
      (t) => t.parcelId,
      scoped('transfersOfParcel', ['LandParcel']),
    ),
    transferById: keyedLoader(
      (ids: readonly string[]): Promise<ParcelTransfer[]> => {
        const s = scope('p', 2);
        return db.query(
          `SELECT ${TRANSFER_COLUMNS} FROM land.parcel_transfer t JOIN land.land_parcel p ON p.id = t.parcel_id
           WHERE t.id = ANY($1::bigint[]) AND ${s.sql}`,
          [ids, ...s.params],
        );
      },
      (t) => t.id,
      scoped('transferById', ['LandParcel']),
    ),
    parcelsOfHolder: groupedLoader(
      async (keys: readonly string[]): Promise<(LandParcel & { holder: string })[]> => {
        const holders = keys.map((k) => [k.split(':')[0]!, k.split(':')[1]!]);
        const provinces = await provincesOf(db, HOLDER_PROVINCES, holders);
        if (provinces.length === 0) return [];
        const s = scope('p', 4);
        return db.query(
          `SELECT h.holder_type || ':' || h.holder_id AS holder, ${parcelColumns('p')}
         FROM land.parcel_holder h JOIN land.land_parcel p ON p.id = h.parcel_id AND p.province_code = h.province_code
         WHERE (h.holder_type, h.holder_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
           AND h.province_code = ANY($3::text[]) AND p.province_code = ANY($3::text[]) AND ${s.sql}
         ORDER BY p.id`,
          [holders.map((h) => h[0]), holders.map((h) => h[1]), provinces, ...s.params],
        );
      },
      (p) => p.holder,
      scoped('parcelsOfHolder', ['LandParcel']),
    ),
    parcelsOfCommune: connectionLoaders(
      keysetSource<LandParcel, string | null>(db, {
        kind: PARCEL_LIST,
        table: 'land.land_parcel',
        columns: parcelColumns('land_parcel'),
        parentColumn: 'commune_code',
        keyColumn: 'id',
        keyType: 'bigint',
        filterColumn: 'land_use_code',
        keyOf: (p) => p.id,
        scope: (first) => scope('land_parcel', first),
        partition: async (parents) => ({ column: 'province_code', values: await provincesOfCommunes(parents) }),
      }),
      scoped('parcelsOfCommune', ['LandParcel']),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
