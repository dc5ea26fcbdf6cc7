import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A resident of the national population database (công dân). Personal data: never log it. */
@Entity({ schema: 'population', name: 'resident' })
@Index('resident_permanent_commune_idx', ['permanentCommuneCode', 'citizenId'])
@Index('resident_current_commune_idx', ['currentCommuneCode', 'citizenId'])
@Index('resident_household_idx', ['householdId'])
export class Resident {
  @PrimaryColumn({ name: 'citizen_id', type: 'varchar', length: 12 })
  citizenId!: string;

  @Column({ name: 'full_name', type: 'text' })
  fullName!: string;

  @Column({ name: 'search_name', type: 'text' })
  searchName!: string;

  @Column({ name: 'birth_date', type: 'date' })
  birthDate!: string;

  /** 'MALE' | 'FEMALE'. */
  @Column({ type: 'varchar', length: 6 })
  sex!: string;

  @Column({ name: 'permanent_commune_code', type: 'varchar', length: 5 })
  permanentCommuneCode!: string;

  @Column({ name: 'current_commune_code', type: 'varchar', length: 5 })
  currentCommuneCode!: string;

  @Column({ name: 'permanent_province_code', type: 'varchar', length: 2 })
  permanentProvinceCode!: string;

  @Column({ name: 'current_province_code', type: 'varchar', length: 2 })
  currentProvinceCode!: string;

  /** bigint, kept as a string. */
  @Column({ name: 'household_id', type: 'bigint', nullable: true })
  householdId!: string | null;

  @Column({ name: 'relationship_to_head', type: 'varchar', length: 20, nullable: true })
  relationshipToHead!: string | null;

  @Column({ name: 'death_date', type: 'date', nullable: true })
  deathDate!: string | null;

  /** Bumped by every change (optimistic concurrency). */
  @Column({ type: 'integer', default: 1 })
  version!: number;
}
