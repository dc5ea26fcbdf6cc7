import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One supplement round of a dossier (yêu cầu bổ sung). */
@Entity({ schema: 'public_services', name: 'dossier_supplement' })
export class DossierSupplement {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  number!: string;

  @PrimaryColumn({ type: 'integer' })
  round!: number;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'previous_due_at', type: 'timestamptz' })
  previousDueAt!: Date;

  @Column({ name: 'new_due_at', type: 'timestamptz', nullable: true })
  newDueAt!: Date | null;

  @Column({ type: 'text' })
  reason!: string;
}
