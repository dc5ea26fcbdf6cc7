import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A dossier (hồ sơ thủ tục hành chính). The table is partitioned by quarter of `received_on`, then
 * by the receiving unit's province (see the migrations); the number is unique nationally through the
 * key table `dossier_key`. The applicant is personal data, visible within the receiving unit's
 * jurisdiction.
 */
@Entity({ schema: 'public_services', name: 'dossier' })
@Index('dossier_unit_idx', ['unitCode', 'number'])
@Index('dossier_applicant_idx', ['applicantType', 'applicantId', 'receivedAt'])
export class Dossier {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  number!: string;

  /** The reception date in the number (YYYY-MM-DD): the partition key. */
  @PrimaryColumn({ name: 'received_on', type: 'date' })
  receivedOn!: string;

  @Column({ name: 'procedure_code', type: 'varchar', length: 20 })
  procedureCode!: string;

  /** 'COMMUNE' | 'DEPARTMENT'. */
  @Column({ name: 'unit_type', type: 'varchar', length: 10 })
  unitType!: string;

  @Column({ name: 'unit_code', type: 'varchar', length: 20 })
  unitCode!: string;

  @Column({ name: 'commune_code', type: 'varchar', length: 5, nullable: true })
  communeCode!: string | null;

  /** The receiving unit's province (a commune's, or a department's): the second partition key. */
  @PrimaryColumn({ name: 'province_code', type: 'varchar', length: 2 })
  provinceCode!: string;

  /** 'RESIDENT' | 'ENTERPRISE'. */
  @Column({ name: 'applicant_type', type: 'varchar', length: 10 })
  applicantType!: string;

  /** Citizen ID or tax code. */
  @Column({ name: 'applicant_id', type: 'varchar', length: 13 })
  applicantId!: string;

  @Column({ type: 'varchar', length: 10 })
  channel!: string;

  /** The status name of the national coding (status.ts). */
  @Column({ type: 'varchar', length: 20 })
  status!: string;

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'returned_at', type: 'timestamptz', nullable: true })
  returnedAt!: Date | null;

  @Column({ name: 'supplement_count', type: 'integer', default: 0 })
  supplementCount!: number;

  /** Snapshots of the procedure at reception. */
  @Column({ name: 'online_offered', type: 'boolean' })
  onlineOffered!: boolean;

  @Column({ name: 'fee_required', type: 'boolean' })
  feeRequired!: boolean;

  @Column({ name: 'paid_online', type: 'boolean', default: false })
  paidOnline!: boolean;

  @Column({ type: 'boolean', default: false })
  digitised!: boolean;

  @Column({ name: 'reused_data', type: 'boolean', default: false })
  reusedData!: boolean;

  @Column({ name: 'from_data_store', type: 'boolean', default: false })
  fromDataStore!: boolean;

  @Column({ name: 'vneid_verified', type: 'boolean', default: false })
  vneidVerified!: boolean;

  @Column({ name: 'electronic_result', type: 'boolean', default: false })
  electronicResult!: boolean;

  @Column({ name: 'reporting_system', type: 'text' })
  reportingSystem!: string;

  /** When the hub first learnt of the dossier. */
  @Column({ name: 'reported_at', type: 'timestamptz' })
  reportedAt!: Date;

  /** The time of the latest event applied (deliveries older than it change nothing). */
  @Column({ name: 'last_event_at', type: 'timestamptz' })
  lastEventAt!: Date;

  @Column({ type: 'integer', default: 1 })
  version!: number;
}
