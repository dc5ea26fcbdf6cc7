import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A land parcel (thửa đất) of the land register. */
@Entity({ schema: 'land', name: 'land_parcel' })
@Index('land_parcel_province_use_idx', ['provinceCode', 'landUseCode', 'id'])
@Index('land_parcel_province_idx', ['provinceCode', 'id'])
@Index('land_parcel_commune_idx', ['communeCode', 'id'])
export class LandParcel {
  /** bigint, kept as a string. */
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'province_code', type: 'varchar', length: 2 })
  provinceCode!: string;

  @Column({ name: 'commune_code', type: 'varchar', length: 5 })
  communeCode!: string;

  @Column({ name: 'map_sheet_number', type: 'integer' })
  mapSheetNumber!: number;

  @Column({ name: 'parcel_number', type: 'integer' })
  parcelNumber!: number;

  /** m², numeric(14,1) read as a number. */
  @Column({ type: 'numeric', precision: 14, scale: 1, transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  area!: number;

  @Column({ name: 'land_use_code', type: 'varchar', length: 3 })
  landUseCode!: string;

  @Column({ name: 'certificate_number', type: 'varchar', length: 20, nullable: true })
  certificateNumber!: string | null;

  @Column({ type: 'text' })
  address!: string;

  /** Bumped by every change (optimistic concurrency). */
  @Column({ type: 'integer', default: 1 })
  version!: number;
}
