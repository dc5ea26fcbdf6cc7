import type { MigrationInterface, QueryRunner } from 'typeorm';
import { provinceIndexSql } from '../../../shared/db/partitions';

/**
 * `population.commune_province`: the provinces whose partitions hold residents (by permanent
 * residence) or households of a commune, filled from the rows already here and kept by triggers
 * (ProvinceIndex in shared/db/partitions.ts), so a read of a commune's residents or households
 * reads its province's partition alone, whoever the caller. As loaders.ts COMMUNE_PROVINCES, written
 * out here so that this migration stays what it was when it ran.
 */
export class CommuneProvinces1770000000001 implements MigrationInterface {
  name = 'CommuneProvinces1770000000001';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of provinceIndexSql({
      table: 'population.commune_province',
      keys: [{ name: 'commune_code', type: 'varchar(5)' }],
      sources: [
        { table: 'population.resident', keys: ['permanent_commune_code'], province: 'permanent_province_code' },
        { table: 'population.household', keys: ['commune_code'], province: 'province_code' },
      ],
    }))
      await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER commune_province_insert ON population.resident`);
    await q.query(`DROP TRIGGER commune_province_update ON population.resident`);
    await q.query(`DROP TRIGGER commune_province_insert ON population.household`);
    await q.query(`DROP TRIGGER commune_province_update ON population.household`);
    await q.query(`DROP FUNCTION population.commune_province_from_resident()`);
    await q.query(`DROP FUNCTION population.commune_province_from_household()`);
    await q.query(`DROP TABLE population.commune_province`);
  }
}
