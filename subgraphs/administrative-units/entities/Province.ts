import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A province-level unit in force today (tỉnh / thành phố trực thuộc trung ương). */
@Entity({ schema: 'administrative_units', name: 'province' })
export class Province {
  @PrimaryColumn({ type: 'varchar', length: 2 })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'full_name', type: 'text' })
  fullName!: string;

  /** 'PROVINCE' | 'CENTRAL_CITY' (the GraphQL enum values). */
  @Column({ type: 'varchar', length: 20 })
  type!: string;

  /** Full name folded for search (no diacritics, lower case). */
  @Column({ name: 'search_name', type: 'text' })
  searchName!: string;

  @Column({ name: 'effective_from', type: 'date' })
  effectiveFrom!: string;
}
