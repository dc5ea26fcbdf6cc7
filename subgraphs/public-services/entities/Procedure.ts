import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An administrative procedure of the catalogue (thủ tục hành chính). */
@Entity({ schema: 'public_services', name: 'procedure' })
export class Procedure {
  /** National code, e.g. `1.005129`. */
  @PrimaryColumn({ type: 'varchar', length: 20 })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  field!: string;

  /** 'PROVINCE' | 'COMMUNE'. */
  @Column({ type: 'varchar', length: 10 })
  level!: string;

  @Column({
    name: 'time_limit',
    type: 'numeric',
    precision: 6,
    scale: 1,
    transformer: { to: (v: number) => v, from: (v: string) => Number(v) },
  })
  timeLimit!: number;

  /** 'HOURS' | 'WORKING_DAYS'. */
  @Column({ name: 'time_unit', type: 'varchar', length: 12 })
  timeLimitUnit!: string;

  @Column({ name: 'has_fee', type: 'boolean' })
  hasFee!: boolean;

  /** 'NONE' | 'PARTIAL' | 'FULL'. */
  @Column({ name: 'online_level', type: 'varchar', length: 7 })
  onlineLevel!: string;

  @Column({ name: 'paper_result', type: 'boolean' })
  paperResult!: boolean;

  /** YYYY-MM-DD, null while unpublished. */
  @Column({ name: 'published_on', type: 'date', nullable: true })
  publishedOn!: string | null;

  @Column({ name: 'legal_basis_on', type: 'date' })
  legalBasisEffectiveOn!: string;

  @Column({ name: 'legal_basis', type: 'text' })
  legalBasis!: string;
}
