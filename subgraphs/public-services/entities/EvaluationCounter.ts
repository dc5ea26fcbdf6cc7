import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The evaluation's incremental counters of one receiving unit and month (evaluation/counters.ts
 * lists them all; only the key is mapped here: the counters are read and written with SQL).
 */
@Entity({ schema: 'public_services', name: 'evaluation_counter' })
@Index('evaluation_counter_month_idx', ['month', 'provinceCode'])
export class EvaluationCounter {
  @PrimaryColumn({ name: 'unit_type', type: 'varchar', length: 10 })
  unitType!: string;

  @PrimaryColumn({ name: 'unit_code', type: 'varchar', length: 20 })
  unitCode!: string;

  /** First day of the month (Vietnam time). */
  @PrimaryColumn({ type: 'date' })
  month!: string;

  @Column({ name: 'province_code', type: 'varchar', length: 2 })
  provinceCode!: string;

  @Column({ type: 'bigint', default: 0 })
  received!: string;
}
