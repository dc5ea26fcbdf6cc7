import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A public administrative service centre (trung tâm phục vụ hành chính công) of a commune or a province. */
@Entity({ schema: 'public_services', name: 'service_centre' })
@Index('service_centre_province_idx', ['provinceCode', 'code'])
export class ServiceCentre {
  @PrimaryColumn({ type: 'varchar', length: 20 })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  /** 'PROVINCE' | 'COMMUNE'. */
  @Column({ type: 'varchar', length: 10 })
  level!: string;

  @Column({ name: 'province_code', type: 'varchar', length: 2 })
  provinceCode!: string;

  @Column({ name: 'commune_code', type: 'varchar', length: 5, nullable: true })
  communeCode!: string | null;
}
