import { In, type DataSource } from 'typeorm';
import { groupedLoader, keyedLoader } from '../../shared/loaders';
import { keysetSource } from '../../shared/keyset';
import { connectionLoaders, type ListKind } from '../../shared/pagination';
import { LandParcel, LandUseType, ParcelHolder } from './entities';

export const PARCEL_LIST: ListKind = { name: 'land-parcel', keyPattern: /^[1-9]\d{0,17}$/ };

/** The columns of a parcel row, read from table alias `t`. */
export const parcelColumns = (t: string): string => `${t}.id::text AS id, ${t}.province_code AS "provinceCode",
  ${t}.commune_code AS "communeCode", ${t}.map_sheet_number AS "mapSheetNumber", ${t}.parcel_number AS "parcelNumber",
  ${t}.area::float8 AS area, ${t}.land_use_code AS "landUseCode", ${t}.certificate_number AS "certificateNumber", ${t}.address`;

/** `TYPE:id`, the key of a holder (a resident's citizen ID or an enterprise's tax code). */
export const holderKey = (type: 'RESIDENT' | 'ENTERPRISE', id: string): string => `${type}:${id}`;

/** Per-request loaders of this subgraph: one SQL statement per batch, whatever the batch size. */
export function createLoaders(db: DataSource) {
  return {
    parcelById: keyedLoader(
      (ids: readonly string[]) => db.getRepository(LandParcel).findBy({ id: In([...ids]) }),
      (p) => p.id,
    ),
    landUseByCode: keyedLoader(
      (codes: readonly string[]) => db.getRepository(LandUseType).findBy({ code: In([...codes]) }),
      (t) => t.code,
    ),
    holdingsOfParcel: groupedLoader(
      (ids: readonly string[]) =>
        db
          .getRepository(ParcelHolder)
          .find({ where: { parcelId: In([...ids]) }, order: { share: 'DESC', holderType: 'ASC', holderId: 'ASC' } }),
      (h) => h.parcelId,
    ),
    parcelsOfHolder: groupedLoader(
      (keys: readonly string[]): Promise<(LandParcel & { holder: string })[]> =>
        db.query(
          `SELECT h.holder_type || ':' || h.holder_id AS holder, ${parcelColumns('p')}
           FROM land.parcel_holder h JOIN land.land_parcel p ON p.id = h.parcel_id
           WHERE (h.holder_type, h.holder_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
           ORDER BY p.id`,
          [keys.map((k) => k.split(':')[0]), keys.map((k) => k.split(':')[1])],
        ),
      (p) => p.holder,
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
      }),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
