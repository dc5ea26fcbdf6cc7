import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A holding as recorded in a transfer: `type:id` of the holder and the share in percent. */
export interface RecordedHolding {
  holderType: 'RESIDENT' | 'ENTERPRISE';
  holderId: string;
  share: number;
}

/** One transfer of land-use rights on a parcel (chuyển quyền sử dụng đất), kept as the parcel's history. Personal: holders. */
@Entity({ schema: 'land', name: 'parcel_transfer' })
@Index('parcel_transfer_parcel_id_parcel_version_key', ['parcelId', 'parcelVersion'], { unique: true })
export class ParcelTransfer {
  /** bigint, kept as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'parcel_id', type: 'bigint' })
  parcelId!: string;

  /** When the transfer was recorded (ISO 8601). */
  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: string;

  /** The parcel's version the transfer produced. */
  @Column({ name: 'parcel_version', type: 'integer' })
  parcelVersion!: number;

  /** Shares given up, per holder. */
  @Column({ name: 'shares_from', type: 'jsonb' })
  sharesFrom!: RecordedHolding[];

  /** Shares received, per holder. */
  @Column({ name: 'shares_to', type: 'jsonb' })
  sharesTo!: RecordedHolding[];

  @Column({ name: 'holdings_after', type: 'jsonb' })
  holdingsAfter!: RecordedHolding[];

  @Column({ name: 'previous_certificate_number', type: 'varchar', length: 20, nullable: true })
  previousCertificateNumber!: string | null;

  @Column({ name: 'certificate_number', type: 'varchar', length: 20 })
  certificateNumber!: string;
}
