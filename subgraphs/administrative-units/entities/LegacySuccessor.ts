import { Entity, Index, PrimaryColumn } from 'typeorm';

/** Links a pre-reform commune (or island district) to a 2025 commune that took over its territory. */
@Entity({ schema: 'administrative_units', name: 'legacy_successor' })
@Index('legacy_successor_commune_idx', ['communeCode'])
export class LegacySuccessor {
  @PrimaryColumn({ type: 'varchar', length: 10 })
  level!: string;

  @PrimaryColumn({ name: 'legacy_code', type: 'varchar', length: 5 })
  legacyCode!: string;

  @PrimaryColumn({ name: 'commune_code', type: 'varchar', length: 5 })
  communeCode!: string;
}
