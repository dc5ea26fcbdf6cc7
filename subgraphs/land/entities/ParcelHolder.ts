import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A holder of land-use rights on a parcel (người sử dụng đất): a resident or an enterprise, with a share. */
@Entity({ schema: 'land', name: 'parcel_holder' })
@Index('parcel_holder_holder_idx', ['holderType', 'holderId', 'parcelId'])
export class ParcelHolder {
  @PrimaryColumn({ name: 'parcel_id', type: 'bigint' })
  parcelId!: string;

  /** 'RESIDENT' | 'ENTERPRISE'. */
  @PrimaryColumn({ name: 'holder_type', type: 'varchar', length: 10 })
  holderType!: string;

  /** Citizen ID of a resident or tax code of an enterprise. */
  @PrimaryColumn({ name: 'holder_id', type: 'varchar', length: 13 })
  holderId!: string;

  /** Percent of the rights, numeric(5,2). */
  @Column({ type: 'numeric', precision: 5, scale: 2, transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  share!: number;
}
