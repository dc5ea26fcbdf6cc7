import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An enterprise of the national business register (doanh nghiệp). */
@Entity({ schema: 'enterprise', name: 'enterprise' })
@Index('enterprise_commune_idx', ['headOfficeCommuneCode', 'taxCode'])
@Index('enterprise_province_idx', ['headOfficeProvinceCode', 'taxCode'])
@Index('enterprise_representative_idx', ['legalRepresentativeId'])
export class Enterprise {
  @PrimaryColumn({ name: 'tax_code', type: 'varchar', length: 13 })
  taxCode!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'search_name', type: 'text' })
  searchName!: string;

  /** The LegalForm enum value. */
  @Column({ name: 'legal_form', type: 'varchar', length: 30 })
  legalForm!: string;

  /** 'ACTIVE' | 'SUSPENDED' | 'DISSOLVED'. */
  @Column({ type: 'varchar', length: 20 })
  status!: string;

  @Column({ name: 'founded_on', type: 'date' })
  foundedOn!: string;

  @Column({ name: 'head_office_province_code', type: 'varchar', length: 2 })
  headOfficeProvinceCode!: string;

  @Column({ name: 'head_office_commune_code', type: 'varchar', length: 5 })
  headOfficeCommuneCode!: string;

  @Column({ name: 'head_office_address', type: 'text' })
  headOfficeAddress!: string;

  /** VND, numeric(20,0) read as a number (exact below 2^53). */
  @Column({
    name: 'charter_capital',
    type: 'numeric',
    precision: 20,
    scale: 0,
    transformer: { to: (v: number) => v, from: (v: string) => Number(v) },
  })
  charterCapital!: number;

  @Column({ name: 'industry_codes', type: 'text', array: true })
  industryCodes!: string[];

  @Column({ name: 'legal_representative_id', type: 'varchar', length: 12 })
  legalRepresentativeId!: string;

  /** Bumped by every change (optimistic concurrency). */
  @Column({ type: 'integer', default: 1 })
  version!: number;
}
