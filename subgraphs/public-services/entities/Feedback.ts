import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Feedback on a unit or a dossier (phản ánh, kiến nghị). No applicant is kept. */
@Entity({ schema: 'public_services', name: 'feedback' })
@Index('feedback_unit_idx', ['unitCode', 'receivedAt'])
export class Feedback {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** 'COMPLAINT' | 'PROPOSAL' | 'RATING'. */
  @Column({ type: 'varchar', length: 10 })
  category!: string;

  @Column({ name: 'unit_type', type: 'varchar', length: 10 })
  unitType!: string;

  @Column({ name: 'unit_code', type: 'varchar', length: 20 })
  unitCode!: string;

  @Column({ name: 'province_code', type: 'varchar', length: 2 })
  provinceCode!: string;

  @Column({ name: 'dossier_number', type: 'varchar', length: 40, nullable: true })
  dossierNumber!: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'handled_at', type: 'timestamptz', nullable: true })
  handledAt!: Date | null;

  @Column({ type: 'boolean', nullable: true })
  satisfied!: boolean | null;
}
