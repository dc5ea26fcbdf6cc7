import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Land reference data (land-use types, from land-use-types.json; provenance in README.md) and bulk
 * writers for parcels and their holders, fed by the synthetic seeder (hub/seed).
 */

export type LandUseCategory = 'AGRICULTURAL' | 'NON_AGRICULTURAL' | 'UNUSED';
export type HolderType = 'RESIDENT' | 'ENTERPRISE';

/** One entry of land-use-types.json. `basis` says which regulation the code comes from. */
export interface LandUseType {
  code: string;
  name: string;
  category: LandUseCategory;
  basis: string;
}

/** One row of land.land_parcel. */
export interface LandParcelRow {
  id: number;
  provinceCode: string;
  communeCode: string;
  mapSheetNumber: number;
  parcelNumber: number;
  /** Square metres, one decimal. */
  area: number;
  landUseCode: string;
  /** Null while no certificate has been issued yet. */
  certificateNumber: string | null;
  address: string;
}

/** One row of land.parcel_holder: a resident (citizen ID) or an enterprise (tax code) and its share in percent. */
export interface ParcelHolderRow {
  parcelId: number;
  holderType: HolderType;
  holderId: string;
  share: number;
}

export interface LandRows {
  parcels: readonly LandParcelRow[];
  holders: readonly ParcelHolderRow[];
}

/** Rows actually written (rows already present are skipped). */
export interface LandInserted {
  parcels: number;
  holders: number;
}

const CATEGORIES: readonly LandUseCategory[] = ['AGRICULTURAL', 'NON_AGRICULTURAL', 'UNUSED'];

/** The land-use classification shipped with this subgraph, checked for shape. Pure: reads the JSON only. */
export function loadLandUseTypes(): LandUseType[] {
  const types = JSON.parse(readFileSync(join(__dirname, 'land-use-types.json'), 'utf8')) as LandUseType[];
  const seen = new Set<string>();
  for (const t of types) {
    if (!/^[A-Z]{3}$/.test(t.code) || seen.has(t.code)) throw new Error(`land-use-types.json: bad or duplicate code "${t.code}"`);
    if (!CATEGORIES.includes(t.category)) throw new Error(`land-use-types.json: bad category "${t.category}" for ${t.code}`);
    seen.add(t.code);
  }
  return types;
}

/** Upserts the land-use types (idempotent; names and categories are updated in place). */
export async function seedLandUseTypes(db: DataSource): Promise<void> {
  const types = loadLandUseTypes();
  await db.transaction(async (m) => {
    await m.query(
      `INSERT INTO land.land_use_type (code, name, category)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category`,
      [types.map((t) => t.code), types.map((t) => t.name), types.map((t) => t.category)],
    );
  });
}

async function insertRows(m: EntityManager, sql: string, columns: unknown[][]): Promise<number> {
  if (!m.queryRunner) throw new Error('insertLand needs the EntityManager of a transaction (db.transaction(async (m) => …))');
  const result = await m.queryRunner.query(sql, columns, true);
  return result.affected ?? 0;
}

/**
 * Writes parcels, then their holders (which reference them), inside the caller's transaction.
 * The land-use types must exist (seedLandUseTypes). Existing parcels and holders are skipped.
 */
export async function insertLand(m: EntityManager, rows: LandRows): Promise<LandInserted> {
  const { parcels, holders } = rows;
  let insertedParcels = 0;
  let insertedHolders = 0;
  if (parcels.length > 0) {
    insertedParcels = await insertRows(
      m,
      `INSERT INTO land.land_parcel (id, province_code, commune_code, map_sheet_number, parcel_number, area, land_use_code,
         certificate_number, address)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::int[], $6::numeric[], $7::text[], $8::text[], $9::text[])
       ON CONFLICT DO NOTHING`,
      [
        parcels.map((p) => p.id),
        parcels.map((p) => p.provinceCode),
        parcels.map((p) => p.communeCode),
        parcels.map((p) => p.mapSheetNumber),
        parcels.map((p) => p.parcelNumber),
        parcels.map((p) => p.area),
        parcels.map((p) => p.landUseCode),
        parcels.map((p) => p.certificateNumber),
        parcels.map((p) => p.address),
      ],
    );
  }
  if (holders.length > 0) {
    insertedHolders = await insertRows(
      m,
      // A holder row is stored in its parcel's province (the partition key), read from the parcels' key table.
      `INSERT INTO land.parcel_holder (parcel_id, province_code, holder_type, holder_id, share)
       SELECT h.parcel_id, k.province_code, h.holder_type, h.holder_id, h.share
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::numeric[]) AS h(parcel_id, holder_type, holder_id, share)
       JOIN land.parcel_key k ON k.id = h.parcel_id
       ON CONFLICT DO NOTHING`,
      [holders.map((h) => h.parcelId), holders.map((h) => h.holderType), holders.map((h) => h.holderId), holders.map((h) => h.share)],
    );
  }
  return { parcels: insertedParcels, holders: insertedHolders };
}
