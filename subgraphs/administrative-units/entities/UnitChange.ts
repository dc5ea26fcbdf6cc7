import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One change of a unit after 1 July 2025 (name, full name, type, province; merged into or abolished), with its legal basis. */
@Entity({ schema: 'administrative_units', name: 'unit_change' })
@Index('unit_change_unit_idx', ['level', 'code'])
@Index('unit_change_once_idx', ['level', 'code', 'field', 'effectiveFrom'], { unique: true })
export class UnitChange {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** 'PROVINCE' | 'COMMUNE'. */
  @Column({ type: 'varchar', length: 10 })
  level!: string;

  @Column({ type: 'varchar', length: 5 })
  code!: string;

  @Column({ type: 'varchar', length: 20 })
  field!: string;

  @Column({ name: 'old_value', type: 'text' })
  oldValue!: string;

  @Column({ name: 'new_value', type: 'text' })
  newValue!: string;

  @Column({ name: 'effective_from', type: 'date' })
  effectiveFrom!: string;

  @Column({ name: 'legal_basis', type: 'text', array: true })
  legalBasis!: string[];
}
