import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A commune-level unit in force today (xã / phường / đặc khu). */
@Entity({ schema: 'administrative_units', name: 'commune' })
@Index('commune_province_code_idx', ['provinceCode', 'code'])
export class Commune {
  @PrimaryColumn({ type: 'varchar', length: 5 })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'full_name', type: 'text' })
  fullName!: string;

  /** 'COMMUNE' | 'WARD' | 'SPECIAL_ZONE' (the GraphQL enum values). */
  @Column({ type: 'varchar', length: 20 })
  type!: string;

  @Column({ name: 'province_code', type: 'varchar', length: 2 })
  provinceCode!: string;

  @Column({ name: 'search_name', type: 'text' })
  searchName!: string;

  @Column({ name: 'effective_from', type: 'date' })
  effectiveFrom!: string;
}
