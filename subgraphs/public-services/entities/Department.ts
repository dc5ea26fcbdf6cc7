import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A provincial department that receives dossiers (sở, ban, ngành). */
@Entity({ schema: 'public_services', name: 'department' })
@Index('department_province_idx', ['provinceCode', 'code'])
export class Department {
  /** Agency code `000.00.NN.HPP`. */
  @PrimaryColumn({ type: 'varchar', length: 20 })
  code!: string;

  @Column({ name: 'province_code', type: 'varchar', length: 2 })
  provinceCode!: string;

  @Column({ type: 'text' })
  name!: string;
}
