import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One import of the units: the bundled data set at start, or one imported with `import-units`. */
@Entity({ schema: 'administrative_units', name: 'unit_import' })
export class UnitImport {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** 'bundled', or the path of the imported data set. */
  @Column({ type: 'text' })
  source!: string;

  /** SHA-256 of the imported state (see seed/dataset.ts fingerprint). */
  @Column({ type: 'varchar', length: 64 })
  fingerprint!: string;

  /** The effective date of the changes the import found. */
  @Column({ name: 'effective_from', type: 'date' })
  effectiveFrom!: string;

  @Column({ name: 'imported_at', type: 'timestamptz' })
  importedAt!: Date;

  /** Counts: added, removed, merged, renamed, typeChanged, provinceChanged, pre-reform units and links. */
  @Column({ type: 'jsonb' })
  summary!: Record<string, number>;
}
