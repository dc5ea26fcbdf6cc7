import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A land-use type of the land law classification (loại đất), e.g. ODT. */
@Entity({ schema: 'land', name: 'land_use_type' })
export class LandUseType {
  @PrimaryColumn({ type: 'varchar', length: 3 })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  /** 'AGRICULTURAL' | 'NON_AGRICULTURAL' | 'UNUSED'. */
  @Column({ type: 'varchar', length: 20 })
  category!: string;
}
