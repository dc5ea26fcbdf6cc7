import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of an enterprise's history in the register: its registration, a new legal representative, a change of status. */
@Entity({ schema: 'enterprise', name: 'enterprise_event' })
@Index('enterprise_event_tax_code_enterprise_version_key', ['taxCode', 'enterpriseVersion'], { unique: true })
export class EnterpriseEvent {
  /** bigint, kept as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'tax_code', type: 'varchar', length: 13 })
  taxCode!: string;

  /** When it was recorded (ISO 8601). */
  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: string;

  /** 'REGISTERED' | 'LEGAL_REPRESENTATIVE_CHANGED' | 'STATUS_CHANGED'. */
  @Column({ type: 'varchar', length: 30 })
  kind!: string;

  /** The enterprise's version this event produced. */
  @Column({ name: 'enterprise_version', type: 'integer' })
  enterpriseVersion!: number;

  @Column({ name: 'from_status', type: 'varchar', length: 20, nullable: true })
  fromStatus!: string | null;

  @Column({ name: 'to_status', type: 'varchar', length: 20, nullable: true })
  toStatus!: string | null;

  /** Personal: a citizen ID. */
  @Column({ name: 'from_representative_id', type: 'varchar', length: 12, nullable: true })
  fromRepresentativeId!: string | null;

  /** Personal: a citizen ID. */
  @Column({ name: 'to_representative_id', type: 'varchar', length: 12, nullable: true })
  toRepresentativeId!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;
}
