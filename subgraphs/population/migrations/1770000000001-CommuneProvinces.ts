import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropProvinceIndexSql, provinceIndexSql, type ProvinceIndex } from '../../../shared/db/partitions';

/**
 * `population.commune_province`: the provinces whose partitions hold residents (by permanent
 * residence) or households of a commune, filled from the rows already here and kept by triggers
 * (ProvinceIndex in shared/db/partitions.ts), so a read of a commune's residents or households
 * reads its province's partition alone, whoever the caller. As loaders.ts COMMUNE_PROVINCES, written
 * out here so that this migration stays what it was when it ran.
 */
const COMMUNE_PROVINCES: ProvinceIndex = {
  table: 'population.commune_province',
  keys: [{ name: 'commune_code', type: 'varchar(5)' }],
  sources: [
    { table: 'population.resident', keys: ['permanent_commune_code'], province: 'permanent_province_code' },
    { table: 'population.household', keys: ['commune_code'], province: 'province_code' },
  ],
};

export class CommuneProvinces1770000000001 implements MigrationInterface {
  name = 'CommuneProvinces1770000000001';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of provinceIndexSql(COMMUNE_PROVINCES)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropProvinceIndexSql(COMMUNE_PROVINCES)) await q.query(sql);
  }
}
