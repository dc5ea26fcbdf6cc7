import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A household (hộ gia đình) registered in a commune, with exactly one head. */
@Entity({ schema: 'population', name: 'household' })
@Index('household_commune_idx', ['communeCode', 'id'])
export class Household {
  /** bigint, kept as a string. */
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'commune_code', type: 'varchar', length: 5 })
  communeCode!: string;

  @Column({ name: 'province_code', type: 'varchar', length: 2 })
  provinceCode!: string;

  @Column({ type: 'text' })
  address!: string;

  @Column({ name: 'head_citizen_id', type: 'varchar', length: 12 })
  headCitizenId!: string;

  /** Bumped by every change (optimistic concurrency). */
  @Column({ type: 'integer', default: 1 })
  version!: number;
}
