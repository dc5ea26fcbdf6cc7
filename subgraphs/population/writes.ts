import { randomInt } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { badInput } from '../../shared/graphql/errors';
import { formatCitizenId, LEGACY_PROVINCE_CODES, type Sex } from '../../shared/graphql/identifiers';
import { authorizePlace, checkVersion, issueUnused, missing, type Change, type MutationContext } from '../../shared/subgraph/mutations';
import { foldForSearch } from '../../shared/graphql/text';
import type { Household, Resident } from './entities';
import { HOUSEHOLD_COLUMNS, RESIDENT_COLUMNS } from './loaders';

/**
 * The changes communes register in the population database. Each function runs inside the
 * mutation's transaction (shared/subgraph/mutations.ts) with its EntityManager only, locks the rows it
 * changes (FOR UPDATE: concurrent changes to one household or resident queue up and then see the
 * latest state), checks the business rules and bumps the version of every row it changes.
 *
 * Invariants kept: a household always has exactly one head, who is a member (and `head_citizen_id`
 * names them); a household whose last member leaves is dissolved; a member's permanent residence
 * is the household's commune; a deceased resident belongs to no household.
 */

/** What a population change returns: the keys of the residents and households it changed. */
export interface PopulationChange {
  citizenIds: string[];
  householdIds: string[];
  /** Households that no longer exist: their last member left. */
  dissolvedHouseholdIds: string[];
}

/** Where a commune is, as the administrative-units subgraph answered (see references in Mutation.ts). */
export interface CommunePlace {
  communeCode: string;
  provinceCode: string;
}

type Ctx = MutationContext;
type Relationship = string;

class ChangeSet {
  readonly citizenIds = new Set<string>();
  readonly householdIds = new Set<string>();
  readonly dissolved = new Set<string>();
  result(): Change<PopulationChange> {
    const householdIds = [...this.householdIds].filter((id) => !this.dissolved.has(id));
    return {
      result: { citizenIds: [...this.citizenIds], householdIds, dissolvedHouseholdIds: [...this.dissolved] },
      subjects: [...this.citizenIds],
    };
  }
}

async function lockResident(em: EntityManager, citizenId: string, argument: string): Promise<Resident> {
  const [row] = (await em.query(`SELECT ${RESIDENT_COLUMNS} FROM population.resident WHERE citizen_id = $1 FOR UPDATE`, [
    citizenId,
  ])) as Resident[];
  if (!row) throw missing('Resident', argument, citizenId);
  return row;
}

async function lockHousehold(em: EntityManager, id: string, argument: string): Promise<Household> {
  if (!/^[1-9]\d{0,17}$/.test(id)) throw badInput(argument, id, 'must be a household id (digits)');
  const [row] = (await em.query(`SELECT ${HOUSEHOLD_COLUMNS} FROM population.household WHERE id = $1::bigint FOR UPDATE`, [
    id,
  ])) as Household[];
  if (!row) throw missing('Household', argument, id);
  return row;
}

async function lockMembers(em: EntityManager, householdId: string): Promise<Resident[]> {
  return (await em.query(
    `SELECT ${RESIDENT_COLUMNS} FROM population.resident WHERE household_id = $1::bigint ORDER BY citizen_id FOR UPDATE`,
    [householdId],
  )) as Resident[];
}

/** A household the caller may change: NOT_FOUND (as if missing) outside their jurisdiction. */
async function householdInJurisdiction(ctx: Ctx, em: EntityManager, field: string, id: string, argument: string): Promise<Household> {
  const household = await lockHousehold(em, id, argument);
  authorizePlace(ctx, field, { communeCodes: [household.communeCode], provinceCodes: [household.provinceCode] }, [], {
    type: 'Household',
    key: argument,
    value: id,
  });
  return household;
}

/** A resident registered (by permanent residence) where the caller may change them; NOT_FOUND otherwise. */
async function residentInJurisdiction(ctx: Ctx, em: EntityManager, field: string, citizenId: string, argument: string): Promise<Resident> {
  const resident = await lockResident(em, citizenId, argument);
  authorizePlace(
    ctx,
    field,
    { communeCodes: [resident.permanentCommuneCode], provinceCodes: [resident.permanentProvinceCode] },
    [citizenId],
    {
      type: 'Resident',
      key: argument,
      value: citizenId,
    },
  );
  return resident;
}

function alive(resident: Resident, argument: string): void {
  if (resident.deathDate) throw badInput(argument, resident.citizenId, `the death of this resident was recorded on ${resident.deathDate}`);
}

function notHead(relationship: Relationship, argument: string): void {
  if (relationship === 'HEAD')
    throw badInput(argument, relationship, 'HEAD is given only by changeHouseholdHead (a household has exactly one head)');
}

async function bumpHousehold(em: EntityManager, id: string): Promise<void> {
  await em.query(`UPDATE population.household SET version = version + 1 WHERE id = $1::bigint`, [id]);
}

/**
 * Takes `resident` out of their household, if any. The head may leave only as its last member (the
 * household is then dissolved); otherwise another member must be made head first.
 */
async function leaveHousehold(em: EntityManager, resident: Resident, argument: string, changes: ChangeSet): Promise<void> {
  const householdId = resident.householdId;
  if (!householdId) return;
  changes.householdIds.add(householdId);
  if (resident.relationshipToHead === 'HEAD') {
    const others = (await lockMembers(em, householdId)).filter((m) => m.citizenId !== resident.citizenId);
    if (others.length > 0) {
      throw badInput(
        argument,
        resident.citizenId,
        `is the head of household ${householdId}, which has other members: make one of them head first (changeHouseholdHead)`,
      );
    }
    await em.query(
      `UPDATE population.resident SET household_id = NULL, relationship_to_head = NULL, version = version + 1 WHERE citizen_id = $1`,
      [resident.citizenId],
    );
    await em.query(`DELETE FROM population.household WHERE id = $1::bigint`, [householdId]);
    changes.dissolved.add(householdId);
  } else {
    await em.query(
      `UPDATE population.resident SET household_id = NULL, relationship_to_head = NULL, version = version + 1 WHERE citizen_id = $1`,
      [resident.citizenId],
    );
    await bumpHousehold(em, householdId);
  }
  resident.householdId = null;
  resident.relationshipToHead = null;
  changes.citizenIds.add(resident.citizenId);
}

/** Makes `resident` a member of `household`, with their permanent residence at its commune. */
async function joinHousehold(em: EntityManager, resident: Resident, household: Household, relationship: Relationship, changes: ChangeSet) {
  await em.query(
    `UPDATE population.resident SET household_id = $2::bigint, relationship_to_head = $3, permanent_commune_code = $4,
       permanent_province_code = $5, version = version + 1 WHERE citizen_id = $1`,
    [resident.citizenId, household.id, relationship, household.communeCode, household.provinceCode],
  );
  await bumpHousehold(em, household.id);
  changes.citizenIds.add(resident.citizenId);
  changes.householdIds.add(household.id);
}

/** Registers a new household at `place` headed by `resident` (who belongs to no household now). */
async function foundHousehold(
  em: EntityManager,
  resident: Resident,
  place: CommunePlace,
  address: string,
  changes: ChangeSet,
): Promise<void> {
  const [{ id }] = (await em.query(`SELECT nextval('population.household_id_seq')::text AS id`)) as [{ id: string }];
  await em.query(
    `INSERT INTO population.household (id, commune_code, province_code, address, head_citizen_id) VALUES ($1::bigint, $2, $3, $4, $5)`,
    [id, place.communeCode, place.provinceCode, address, resident.citizenId],
  );
  await em.query(
    `UPDATE population.resident SET household_id = $2::bigint, relationship_to_head = 'HEAD', permanent_commune_code = $3,
       permanent_province_code = $4, version = version + 1 WHERE citizen_id = $1`,
    [resident.citizenId, id, place.communeCode, place.provinceCode],
  );
  changes.citizenIds.add(resident.citizenId);
  changes.householdIds.add(id);
}

/** A citizen ID not yet issued for this place of birth, sex and year (serials drawn at random, checked free). */
function issueCitizenId(em: EntityManager, birthProvinceCode: string, sex: Sex, birthYear: number): Promise<string> {
  return issueUnused(
    'citizen ID serial',
    () => formatCitizenId(birthProvinceCode, sex, birthYear, randomInt(1_000_000)),
    async (id) => ((await em.query(`SELECT 1 FROM population.resident WHERE citizen_id = $1`, [id])) as unknown[]).length > 0,
  );
}

export interface BirthInput {
  fullName: string;
  birthDate: string;
  sex: Sex;
  birthProvinceCode: string;
  householdId: string;
  relationshipToHead: Relationship;
}

/** Đăng ký khai sinh: a newborn gets a citizen ID and joins a household. */
export async function registerBirth(ctx: Ctx, em: EntityManager, input: BirthInput): Promise<Change<PopulationChange>> {
  if (!LEGACY_PROVINCE_CODES.includes(input.birthProvinceCode)) {
    throw badInput(
      'input.birthProvinceCode',
      input.birthProvinceCode,
      'must be one of the 63 pre-2025 province codes that begin citizen IDs',
    );
  }
  notHead(input.relationshipToHead, 'input.relationshipToHead');
  const household = await householdInJurisdiction(ctx, em, 'registerBirth', input.householdId, 'input.householdId');
  const citizenId = await issueCitizenId(em, input.birthProvinceCode, input.sex, Number(input.birthDate.slice(0, 4)));
  await em.query(
    `INSERT INTO population.resident (citizen_id, full_name, search_name, birth_date, sex, permanent_commune_code, current_commune_code,
       permanent_province_code, current_province_code, household_id, relationship_to_head)
     VALUES ($1, $2, $3, $4::date, $5, $6, $6, $7, $7, $8::bigint, $9)`,
    [
      citizenId,
      input.fullName,
      foldForSearch(input.fullName),
      input.birthDate,
      input.sex,
      household.communeCode,
      household.provinceCode,
      household.id,
      input.relationshipToHead,
    ],
  );
  await bumpHousehold(em, household.id);
  const changes = new ChangeSet();
  changes.citizenIds.add(citizenId);
  changes.householdIds.add(household.id);
  return changes.result();
}

export interface ResidenceInput {
  citizenId: string;
  expectedVersion?: number | null;
  householdId?: string | null;
  relationshipToHead?: Relationship | null;
  /** With `newHousehold`: where it is registered (checked with the administrative units beforehand). */
  newHousehold?: { place: CommunePlace; address: string } | null;
}

/**
 * Đăng ký thường trú: a resident leaves their household (if any) and registers permanent residence
 * in another household or in a new one they head — registered by the destination's officer.
 */
export async function changePermanentResidence(ctx: Ctx, em: EntityManager, input: ResidenceInput): Promise<Change<PopulationChange>> {
  const field = 'changePermanentResidence';
  const changes = new ChangeSet();
  const resident = await lockResident(em, input.citizenId, 'input.citizenId');
  alive(resident, 'input.citizenId');
  checkVersion('Resident', input.citizenId, resident.version, input.expectedVersion);
  if (input.householdId) {
    notHead(input.relationshipToHead ?? 'HEAD', 'input.relationshipToHead');
    const household = await householdInJurisdiction(ctx, em, field, input.householdId, 'input.householdId');
    if (resident.householdId === household.id)
      throw badInput('input.householdId', household.id, 'the resident is already a member of this household');
    await leaveHousehold(em, resident, 'input.citizenId', changes);
    await joinHousehold(em, resident, household, input.relationshipToHead!, changes);
  } else if (input.newHousehold) {
    await leaveHousehold(em, resident, 'input.citizenId', changes);
    await foundHousehold(em, resident, input.newHousehold.place, input.newHousehold.address, changes);
  }
  return changes.result();
}

/** Chuyển hộ: a whole household moves to another commune, its members' permanent residence with it. */
export async function moveHousehold(
  ctx: Ctx,
  em: EntityManager,
  input: { householdId: string; expectedVersion?: number | null; place: CommunePlace; address: string },
): Promise<Change<PopulationChange>> {
  const household = await lockHousehold(em, input.householdId, 'input.householdId');
  checkVersion('Household', household.id, household.version, input.expectedVersion);
  const members = await lockMembers(em, household.id);
  await em.query(
    `UPDATE population.household SET commune_code = $2, province_code = $3, address = $4, version = version + 1 WHERE id = $1::bigint`,
    [household.id, input.place.communeCode, input.place.provinceCode, input.address],
  );
  await em.query(
    `UPDATE population.resident SET permanent_commune_code = $2, permanent_province_code = $3, version = version + 1 WHERE household_id = $1::bigint`,
    [household.id, input.place.communeCode, input.place.provinceCode],
  );
  const changes = new ChangeSet();
  changes.householdIds.add(household.id);
  for (const m of members) changes.citizenIds.add(m.citizenId);
  return changes.result();
}

/** Tách hộ: a resident founds a new household in the commune of their permanent residence, as its head. */
export async function createHousehold(
  ctx: Ctx,
  em: EntityManager,
  input: { headCitizenId: string; address: string; expectedVersion?: number | null },
): Promise<Change<PopulationChange>> {
  const resident = await residentInJurisdiction(ctx, em, 'createHousehold', input.headCitizenId, 'input.headCitizenId');
  alive(resident, 'input.headCitizenId');
  checkVersion('Resident', resident.citizenId, resident.version, input.expectedVersion);
  if (resident.relationshipToHead === 'HEAD') {
    throw badInput('input.headCitizenId', resident.citizenId, `already heads household ${resident.householdId}`);
  }
  const changes = new ChangeSet();
  await leaveHousehold(em, resident, 'input.headCitizenId', changes);
  const place = { communeCode: resident.permanentCommuneCode, provinceCode: resident.permanentProvinceCode };
  await foundHousehold(em, resident, place, input.address, changes);
  return changes.result();
}

/** Nhập hộ: a resident of the same commune joins a household (leaving theirs, if any). */
export async function addHouseholdMember(
  ctx: Ctx,
  em: EntityManager,
  input: { householdId: string; citizenId: string; relationshipToHead: Relationship; expectedVersion?: number | null },
): Promise<Change<PopulationChange>> {
  notHead(input.relationshipToHead, 'input.relationshipToHead');
  const household = await householdInJurisdiction(ctx, em, 'addHouseholdMember', input.householdId, 'input.householdId');
  checkVersion('Household', household.id, household.version, input.expectedVersion);
  const resident = await lockResident(em, input.citizenId, 'input.citizenId');
  alive(resident, 'input.citizenId');
  if (resident.permanentCommuneCode !== household.communeCode) {
    throw badInput(
      'input.citizenId',
      input.citizenId,
      "has permanent residence in another commune: register the move with changePermanentResidence (by the household's commune)",
    );
  }
  if (resident.householdId === household.id) throw badInput('input.citizenId', input.citizenId, 'is already a member of this household');
  const changes = new ChangeSet();
  await leaveHousehold(em, resident, 'input.citizenId', changes);
  await joinHousehold(em, resident, household, input.relationshipToHead, changes);
  return changes.result();
}

/** Xoá tên khỏi hộ: a member (not the head) leaves the household and stays a resident of the commune. */
export async function removeHouseholdMember(
  ctx: Ctx,
  em: EntityManager,
  input: { householdId: string; citizenId: string; expectedVersion?: number | null },
): Promise<Change<PopulationChange>> {
  const household = await householdInJurisdiction(ctx, em, 'removeHouseholdMember', input.householdId, 'input.householdId');
  checkVersion('Household', household.id, household.version, input.expectedVersion);
  const resident = await lockResident(em, input.citizenId, 'input.citizenId');
  if (resident.householdId !== household.id) throw badInput('input.citizenId', input.citizenId, 'is not a member of this household');
  if (resident.relationshipToHead === 'HEAD') {
    throw badInput('input.citizenId', input.citizenId, 'is the head: make another member head first (changeHouseholdHead)');
  }
  const changes = new ChangeSet();
  await leaveHousehold(em, resident, 'input.citizenId', changes);
  return changes.result();
}

/** Makes `newHead` the head of `household`; the former head (if still a member) takes `formerHeadRelationship`. */
async function setHead(
  em: EntityManager,
  household: Household,
  newHead: Resident,
  former: { citizenId: string; relationship: Relationship } | null,
  changes: ChangeSet,
) {
  // The former head first: at most one HEAD per household at any moment (unique index).
  if (former) {
    await em.query(`UPDATE population.resident SET relationship_to_head = $2, version = version + 1 WHERE citizen_id = $1`, [
      former.citizenId,
      former.relationship,
    ]);
    changes.citizenIds.add(former.citizenId);
  }
  await em.query(`UPDATE population.resident SET relationship_to_head = 'HEAD', version = version + 1 WHERE citizen_id = $1`, [
    newHead.citizenId,
  ]);
  await em.query(`UPDATE population.household SET head_citizen_id = $2, version = version + 1 WHERE id = $1::bigint`, [
    household.id,
    newHead.citizenId,
  ]);
  changes.citizenIds.add(newHead.citizenId);
  changes.householdIds.add(household.id);
}

/** Thay đổi chủ hộ: another living member becomes head. */
export async function changeHouseholdHead(
  ctx: Ctx,
  em: EntityManager,
  input: { householdId: string; newHeadCitizenId: string; formerHeadRelationship: Relationship; expectedVersion?: number | null },
): Promise<Change<PopulationChange>> {
  notHead(input.formerHeadRelationship, 'input.formerHeadRelationship');
  const household = await householdInJurisdiction(ctx, em, 'changeHouseholdHead', input.householdId, 'input.householdId');
  checkVersion('Household', household.id, household.version, input.expectedVersion);
  const members = await lockMembers(em, household.id);
  const newHead = members.find((m) => m.citizenId === input.newHeadCitizenId);
  if (!newHead) throw badInput('input.newHeadCitizenId', input.newHeadCitizenId, 'is not a member of this household');
  if (newHead.relationshipToHead === 'HEAD') throw badInput('input.newHeadCitizenId', input.newHeadCitizenId, 'is already the head');
  const changes = new ChangeSet();
  await setHead(em, household, newHead, { citizenId: household.headCitizenId, relationship: input.formerHeadRelationship }, changes);
  return changes.result();
}

/**
 * Đăng ký khai tử: records a death. The deceased leaves their household; if they were its head and
 * others remain, `newHeadCitizenId` names the member who becomes head.
 */
export async function recordDeath(
  ctx: Ctx,
  em: EntityManager,
  input: { citizenId: string; deathDate: string; newHeadCitizenId?: string | null; expectedVersion?: number | null },
  today: string,
): Promise<Change<PopulationChange>> {
  const resident = await residentInJurisdiction(ctx, em, 'recordDeath', input.citizenId, 'input.citizenId');
  alive(resident, 'input.citizenId');
  checkVersion('Resident', resident.citizenId, resident.version, input.expectedVersion);
  if (input.deathDate < resident.birthDate || input.deathDate > today) {
    throw badInput('input.deathDate', input.deathDate, `must be between the birth date (${resident.birthDate}) and today (${today})`);
  }
  const changes = new ChangeSet();
  const householdId = resident.householdId;
  if (householdId && resident.relationshipToHead === 'HEAD') {
    const others = (await lockMembers(em, householdId)).filter((m) => m.citizenId !== resident.citizenId);
    if (others.length > 0) {
      if (!input.newHeadCitizenId) {
        throw badInput('input.newHeadCitizenId', null, `is required: the deceased heads household ${householdId}, which has other members`);
      }
      const newHead = others.find((m) => m.citizenId === input.newHeadCitizenId);
      if (!newHead) throw badInput('input.newHeadCitizenId', input.newHeadCitizenId, `is not a member of household ${householdId}`);
      await em.query(
        `UPDATE population.resident SET household_id = NULL, relationship_to_head = NULL, version = version + 1 WHERE citizen_id = $1`,
        [resident.citizenId],
      );
      const household = { id: householdId } as Household;
      await setHead(em, household, newHead, null, changes);
    } else {
      await leaveHousehold(em, resident, 'input.citizenId', changes);
    }
  } else {
    if (input.newHeadCitizenId)
      throw badInput('input.newHeadCitizenId', input.newHeadCitizenId, 'only applies when the deceased heads a household');
    await leaveHousehold(em, resident, 'input.citizenId', changes);
  }
  await em.query(`UPDATE population.resident SET death_date = $2::date, version = version + 1 WHERE citizen_id = $1`, [
    resident.citizenId,
    input.deathDate,
  ]);
  changes.citizenIds.add(resident.citizenId);
  return changes.result();
}
