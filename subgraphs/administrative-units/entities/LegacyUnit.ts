import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A unit of the pre-reform code list. Its codes form a separate code space from today's units,
 * which is why the level is part of the key.
 */
@Entity({ schema: 'administrative_units', name: 'legacy_unit' })
@Index('legacy_unit_new_province_idx', ['newProvinceCode'])
export class LegacyUnit {
  /** 'PROVINCE' | 'DISTRICT' | 'COMMUNE'. */
  @PrimaryColumn({ type: 'varchar', length: 10 })
  level!: string;

  @PrimaryColumn({ type: 'varchar', length: 5 })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'search_name', type: 'text' })
  searchName!: string;

  @Column({ name: 'legacy_province_code', type: 'varchar', length: 2, nullable: true })
  legacyProvinceCode!: string | null;

  @Column({ name: 'legacy_district_code', type: 'varchar', length: 3, nullable: true })
  legacyDistrictCode!: string | null;

  @Column({ name: 'new_province_code', type: 'varchar', length: 2 })
  newProvinceCode!: string;

  /** 'LISTED' | 'NOT_IN_2025_03_01_LIST'. */
  @Column({ type: 'varchar', length: 30 })
  status!: string;

  @Column({ type: 'text', nullable: true })
  correction!: string | null;
}
