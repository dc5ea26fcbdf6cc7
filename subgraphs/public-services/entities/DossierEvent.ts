import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One status change of a dossier's history; partitioned by quarter like the dossiers (migration 1769000000005). */
@Entity({ schema: 'public_services', name: 'dossier_event' })
@Index('dossier_event_number_idx', ['number', 'id'])
export class DossierEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  number!: string;

  /** The dossier's reception date (from its number): the history's partition key, as the dossier's. */
  @Column({ name: 'received_on', type: 'date' })
  receivedOn!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'from_status', type: 'varchar', length: 20, nullable: true })
  fromStatus!: string | null;

  @Column({ name: 'to_status', type: 'varchar', length: 20 })
  toStatus!: string;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
