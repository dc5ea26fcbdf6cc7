import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What a reporting system (a one-stop system) last sent to the hub, and what was refused. */
@Entity({ schema: 'public_services', name: 'sync_status' })
export class SyncStatus {
  @PrimaryColumn({ type: 'text' })
  system!: string;

  @Column({ name: 'province_code', type: 'varchar', length: 2, nullable: true })
  provinceCode!: string | null;

  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt!: Date | null;

  @Column({ name: 'last_received_at', type: 'timestamptz', nullable: true })
  lastReceivedAt!: Date | null;

  @Column({ name: 'lag_seconds', type: 'float8', nullable: true })
  lagSeconds!: number | null;

  @Column({ name: 'accepted_rows', type: 'bigint', default: 0 })
  acceptedRows!: string;

  @Column({ name: 'rejected_rows', type: 'bigint', default: 0 })
  rejectedRows!: string;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}
