import type { DataSource } from 'typeorm';
import { scopeCondition, type Jurisdiction } from '../../shared/auth/jurisdiction';
import type { PageRequest } from '../../shared/db/pagination';
import type { LandParcel, LandUseType } from './entities';
import { provincesOf } from '../../shared/db/partitions';
import { COMMUNE_PROVINCES, HOLDER_PROVINCES, parcelColumns, parcelScope } from './loaders';

/** A validated parcel filter: every field already checked by the resolver. */
export interface ParcelFilter {
  provinceCode?: string;
  communeCode?: string;
  landUseCode?: string;
  holderCitizenId?: string;
  holderTaxCode?: string;
  mapSheetNumber?: number;
  parcelNumber?: number;
  certificateNumber?: string;
}

const HOLDER = (type: string, param: string) =>
  `EXISTS (SELECT 1 FROM land.parcel_holder h WHERE h.parcel_id = land_parcel.id AND h.province_code = land_parcel.province_code AND h.holder_type = '${type}' AND h.holder_id = ${param})`;

/** Column conditions per filter field; values always go in as parameters. */
const CONDITIONS: Record<keyof ParcelFilter, (param: string) => string> = {
  provinceCode: (p) => `province_code = ${p}`,
  communeCode: (p) => `commune_code = ${p}`,
  landUseCode: (p) => `land_use_code = ${p}`,
  holderCitizenId: (p) => HOLDER('RESIDENT', p),
  holderTaxCode: (p) => HOLDER('ENTERPRISE', p),
  mapSheetNumber: (p) => `map_sheet_number = ${p}`,
  parcelNumber: (p) => `parcel_number = ${p}`,
  certificateNumber: (p) => `certificate_number = ${p}`,
};

/** Root-level lists (nested lists go through loaders), within the caller's jurisdiction. */
export function createRepository(db: DataSource, jurisdiction: Jurisdiction) {
  return {
    async parcels(filter: ParcelFilter, page: PageRequest): Promise<{ rows: LandParcel[]; total: number }> {
      const params: unknown[] = [];
      const where: string[] = [];
      for (const [field, value] of Object.entries(filter) as [keyof ParcelFilter, unknown][]) {
        if (value === undefined) continue;
        params.push(value);
        where.push(CONDITIONS[field](`$${params.length}`));
      }
      // A commune or a holder names no province: their provinces' partitions, from this subgraph's own tables (ProvinceIndex).
      const named = [
        ...(filter.communeCode ? [provincesOf(db, COMMUNE_PROVINCES, [[filter.communeCode]])] : []),
        ...(filter.holderCitizenId ? [provincesOf(db, HOLDER_PROVINCES, [['RESIDENT', filter.holderCitizenId]])] : []),
        ...(filter.holderTaxCode ? [provincesOf(db, HOLDER_PROVINCES, [['ENTERPRISE', filter.holderTaxCode]])] : []),
      ];
      if (named.length > 0) {
        const [first, ...others] = await Promise.all(named);
        const provinces = first!.filter((p) => others.every((o) => o.includes(p)));
        if (provinces.length === 0) return { rows: [], total: 0 };
        params.push(provinces);
        where.push(`province_code = ANY($${params.length}::text[])`);
      }
      const scope = scopeCondition(jurisdiction, parcelScope('land_parcel'), params.length + 1);
      params.push(...scope.params);
      where.push(scope.sql);
      const clause = where.join(' AND ');
      const pageParams = [...params, page.after, page.limit + 1];
      const [rows, count] = await Promise.all([
        db.query(
          `SELECT ${parcelColumns('land_parcel')} FROM land.land_parcel WHERE ${clause}
               AND ($${params.length + 1}::bigint IS NULL OR id > $${params.length + 1}::bigint) ORDER BY id LIMIT $${params.length + 2}`,
          pageParams,
        ),
        db.query(`SELECT count(*)::int AS n FROM land.land_parcel WHERE ${clause}`, params),
      ]);
      return { rows, total: (count as { n: number }[])[0]?.n ?? 0 };
    },
    landUseTypes(): Promise<LandUseType[]> {
      return db.query(`SELECT code, name, category FROM land.land_use_type ORDER BY code`);
    },
  };
}
