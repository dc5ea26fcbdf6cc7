import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropProvinceIndexSql, provinceIndexSql, type ProvinceIndex } from '../../../shared/db/partitions';

/**
 * `land.commune_province` (the provinces whose partitions hold a commune's parcels) and
 * `land.holder_province` (those holding a holder's rights), filled from the rows already here and
 * kept by triggers (ProvinceIndex in shared/db/partitions.ts), so the parcels of a commune or of a
 * holder read their provinces' partitions alone, whoever the caller. As loaders.ts
 * COMMUNE_PROVINCES and HOLDER_PROVINCES, written out here so that this migration stays what it was
 * when it ran.
 */
const INDEXES: readonly ProvinceIndex[] = [
  {
    table: 'land.commune_province',
    keys: [{ name: 'commune_code', type: 'varchar(5)' }],
    sources: [{ table: 'land.land_parcel', keys: ['commune_code'], province: 'province_code' }],
  },
  {
    table: 'land.holder_province',
    keys: [
      { name: 'holder_type', type: 'varchar(10)' },
      { name: 'holder_id', type: 'varchar(13)' },
    ],
    sources: [{ table: 'land.parcel_holder', keys: ['holder_type', 'holder_id'], province: 'province_code' }],
  },
];

export class LandProvinceIndexes1770000000002 implements MigrationInterface {
  name = 'LandProvinceIndexes1770000000002';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of INDEXES.flatMap(provinceIndexSql)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of INDEXES.flatMap(dropProvinceIndexSql)) await q.query(sql);
  }
}
