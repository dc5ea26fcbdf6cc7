import { openWritableTestHub, type GraphQLResult, type TestHub } from './helpers/hub';
import { AS } from './helpers/identities';
import { digest, WriteClient } from './helpers/writes';

const A = '00004'; // Phường Ba Đình, Hà Nội
const B = '00008'; // Phường Ngọc Hà, Hà Nội
const C = '26740'; // Phường Sài Gòn, Hồ Chí Minh City
const officerA = AS.communeOfficer(A);
const officerB = AS.communeOfficer(B);

const CHANGE = `residents { citizenId fullName version deathDate relationshipToHead permanentResidence { code } household { id } }
  households { id version commune { code } head { citizenId } members { relationship resident { citizenId } } }
  dissolvedHouseholdIds replayed`;

const code = (r: GraphQLResult) => r.errors?.[0]?.extensions?.code;
const argument = (r: GraphQLResult) => r.errors?.[0]?.extensions?.argument;

interface Member {
  citizenId: string;
  relationship: string;
}

describe('population writes (through the gateway)', () => {
  let hub: TestHub;
  let w: WriteClient;
  /** A household of commune A with at least three members, and its members (head first). */
  const householdOf = async (commune: string, minMembers: number, skip = 0): Promise<{ id: string; members: Member[] }> => {
    const [row] = (await hub.db.query(
      `SELECT h.id::text AS id FROM population.household h
       WHERE h.commune_code = $1 AND (SELECT count(*) FROM population.resident r WHERE r.household_id = h.id) >= $2
       ORDER BY h.id OFFSET $3 LIMIT 1`,
      [commune, minMembers, skip],
    )) as { id: string }[];
    const members = (await hub.db.query(
      `SELECT citizen_id AS "citizenId", relationship_to_head AS relationship FROM population.resident WHERE household_id = $1::bigint
       ORDER BY (relationship_to_head = 'HEAD') DESC, citizen_id`,
      [row!.id],
    )) as Member[];
    return { id: row!.id, members };
  };
  const residentRow = async (id: string) =>
    (
      (await hub.db.query(
        `SELECT household_id::text AS "householdId", relationship_to_head AS relationship, permanent_commune_code AS commune, death_date::text AS "deathDate", version
       FROM population.resident WHERE citizen_id = $1`,
        [id],
      )) as { householdId: string | null; relationship: string | null; commune: string; deathDate: string | null; version: number }[]
    )[0]!;

  beforeAll(async () => {
    hub = await openWritableTestHub();
    w = new WriteClient(hub);
  });
  afterAll(async () => {
    await hub?.close();
  });

  test('registerBirth issues a valid citizen ID in the household, visible at once through a cached read', async () => {
    const household = await householdOf(A, 2);
    const read = () =>
      hub.run(
        `query ($id: ID!) { household(id: $id) { version members { resident { citizenId fullName } } } }`,
        { id: household.id },
        {
          identity: officerA,
        },
      );
    const before = await read(); // now in the entity cache
    const input = {
      fullName: 'Nguyễn Thị Mai',
      birthDate: '2026-11-01',
      sex: 'FEMALE',
      birthProvinceCode: '01',
      householdId: household.id,
      relationshipToHead: 'CHILD',
    };
    const result = await w.mutate('registerBirth', 'RegisterBirthInput', input, CHANGE, officerA);
    expect(result.errors).toBeUndefined();
    const change = result.data!.registerBirth as { residents: { citizenId: string; version: number }[]; replayed: boolean };
    const child = change.residents[0]!.citizenId;
    expect(child).toMatch(/^001326\d{6}$/);
    expect(change.replayed).toBe(false);
    const after = await read();
    const members = (after.data!.household as { members: { resident: { citizenId: string; fullName: string } }[]; version: number })
      .members;
    expect(members.map((m) => m.resident.citizenId)).toContain(child);
    expect((after.data!.household as { version: number }).version).toBe((before.data!.household as { version: number }).version + 1);
    const entries = await w.auditOf(result);
    expect(entries).toEqual([expect.objectContaining({ outcome: 'ALLOWED', fields: ['Mutation.registerBirth'], subjects: [child] })]);
  });

  test('changePermanentResidence into a new household at another commune: the destination officer registers it and sees the resident', async () => {
    const household = await householdOf(A, 3, 1);
    const mover = household.members[1]!;
    const result = await w.mutate(
      'changePermanentResidence',
      'ChangePermanentResidenceInput',
      { citizenId: mover.citizenId, newHousehold: { communeCode: B, address: '12 Đội Cấn' } },
      CHANGE,
      officerB,
    );
    expect(result.errors).toBeUndefined();
    const row = await residentRow(mover.citizenId);
    expect(row).toMatchObject({ commune: B, relationship: 'HEAD' });
    const listed = await hub.run(
      `query ($b: ID!) { commune(code: $b) { residents(first: 100) { edges { node { citizenId } } } } }`,
      { b: B },
      { identity: officerB },
    );
    const ids = (listed.data!.commune as { residents: { edges: { node: { citizenId: string } }[] } }).residents.edges.map(
      (e) => e.node.citizenId,
    );
    expect(ids).toContain(mover.citizenId);
    const old = await hub.run(
      `query ($id: ID!) { household(id: $id) { members { resident { citizenId } } } }`,
      { id: household.id },
      {
        identity: officerA,
      },
    );
    expect(JSON.stringify(old.data)).not.toContain(mover.citizenId);
  });

  test('changePermanentResidence into an existing household of another commune', async () => {
    const from = await householdOf(A, 3, 9);
    const into = await householdOf(B, 1);
    const mover = from.members[2]!;
    const result = await w.mutate(
      'changePermanentResidence',
      'ChangePermanentResidenceInput',
      { citizenId: mover.citizenId, householdId: into.id, relationshipToHead: 'OTHER' },
      CHANGE,
      officerB,
    );
    expect(result.errors).toBeUndefined();
    expect(await residentRow(mover.citizenId)).toMatchObject({ householdId: into.id, relationship: 'OTHER', commune: B });
    const households = (
      result.data!.changePermanentResidence as { households: { id: string; members: { resident: { citizenId: string } }[] }[] }
    ).households;
    expect(households.find((h) => h.id === into.id)!.members.map((m) => m.resident.citizenId)).toContain(mover.citizenId);
  });

  test('moveHousehold moves every member; changeHouseholdHead keeps exactly one head', async () => {
    const household = await householdOf(A, 3, 2);
    const moved = await w.mutate(
      'moveHousehold',
      'MoveHouseholdInput',
      { householdId: household.id, communeCode: B, address: '5 Liễu Giai' },
      CHANGE,
      officerB,
    );
    expect(moved.errors).toBeUndefined();
    for (const m of household.members) expect((await residentRow(m.citizenId)).commune).toBe(B);
    const newHead = household.members[1]!;
    const changed = await w.mutate(
      'changeHouseholdHead',
      'ChangeHouseholdHeadInput',
      { householdId: household.id, newHeadCitizenId: newHead.citizenId, formerHeadRelationship: 'SPOUSE' },
      CHANGE,
      officerB,
    );
    expect(changed.errors).toBeUndefined();
    const heads = (await hub.db.query(
      `SELECT citizen_id AS id FROM population.resident WHERE household_id = $1::bigint AND relationship_to_head = 'HEAD'`,
      [household.id],
    )) as { id: string }[];
    expect(heads).toEqual([{ id: newHead.citizenId }]);
    const h = (changed.data!.changeHouseholdHead as { households: { head: { citizenId: string } }[] }).households[0]!;
    expect(h.head.citizenId).toBe(newHead.citizenId);
  });

  test('createHousehold, addHouseholdMember and removeHouseholdMember', async () => {
    const household = await householdOf(A, 3, 3);
    const [, second, third] = household.members;
    const created = await w.mutate(
      'createHousehold',
      'CreateHouseholdInput',
      { headCitizenId: second!.citizenId, address: '1 Phan Đình Phùng' },
      CHANGE,
      officerA,
    );
    expect(created.errors).toBeUndefined();
    const households = (created.data!.createHousehold as { households: { id: string; head: { citizenId: string } | null }[] }).households;
    const newId = households.find((h) => h.head?.citizenId === second!.citizenId)!.id;
    expect(BigInt(newId)).toBeGreaterThan(100_000_000_000n);
    const added = await w.mutate(
      'addHouseholdMember',
      'AddHouseholdMemberInput',
      { householdId: newId, citizenId: third!.citizenId, relationshipToHead: 'SIBLING' },
      CHANGE,
      officerA,
    );
    expect(added.errors).toBeUndefined();
    expect(await residentRow(third!.citizenId)).toMatchObject({ householdId: newId, relationship: 'SIBLING' });
    const removed = await w.mutate(
      'removeHouseholdMember',
      'RemoveHouseholdMemberInput',
      { householdId: newId, citizenId: third!.citizenId },
      CHANGE,
      officerA,
    );
    expect(removed.errors).toBeUndefined();
    expect(await residentRow(third!.citizenId)).toMatchObject({ householdId: null, relationship: null, commune: A });
  });

  test('recordDeath of a head with members needs the new head; the household keeps exactly one head', async () => {
    const household = await householdOf(A, 2, 4);
    const [head, other] = household.members;
    const refused = await w.mutate(
      'recordDeath',
      'RecordDeathInput',
      { citizenId: head!.citizenId, deathDate: '2026-11-20' },
      CHANGE,
      officerA,
    );
    expect([code(refused), argument(refused)]).toEqual(['BAD_USER_INPUT', 'input.newHeadCitizenId']);
    const result = await w.mutate(
      'recordDeath',
      'RecordDeathInput',
      { citizenId: head!.citizenId, deathDate: '2026-11-20', newHeadCitizenId: other!.citizenId },
      CHANGE,
      officerA,
    );
    expect(result.errors).toBeUndefined();
    expect(await residentRow(head!.citizenId)).toMatchObject({ householdId: null, deathDate: '2026-11-20' });
    expect(await residentRow(other!.citizenId)).toMatchObject({ householdId: household.id, relationship: 'HEAD' });
    const again = await w.mutate(
      'recordDeath',
      'RecordDeathInput',
      { citizenId: head!.citizenId, deathDate: '2026-11-21' },
      CHANGE,
      officerA,
    );
    expect([code(again), argument(again)]).toEqual(['BAD_USER_INPUT', 'input.citizenId']);
  });

  describe('a refused write changes nothing and names the offending field', () => {
    let household: { id: string; members: Member[] };
    beforeAll(async () => {
      household = await householdOf(A, 3, 5);
    });
    const cases: [string, () => [string, string, Record<string, unknown>], string, string | undefined][] = [
      [
        'a commune code that is not in force',
        () => ['moveHousehold', 'MoveHouseholdInput', { householdId: household.id, communeCode: '99999', address: 'x' }],
        'BAD_USER_INPUT',
        'input.communeCode',
      ],
      [
        'a malformed commune code (the scalar)',
        () => ['moveHousehold', 'MoveHouseholdInput', { householdId: household.id, communeCode: '4', address: 'x' }],
        'BAD_USER_INPUT',
        undefined,
      ],
      [
        'the head leaving a household that has other members',
        () => [
          'changePermanentResidence',
          'ChangePermanentResidenceInput',
          { citizenId: household.members[0]!.citizenId, newHousehold: { communeCode: A, address: 'x' } },
        ],
        'BAD_USER_INPUT',
        'input.citizenId',
      ],
      [
        'HEAD given as a relationship',
        () => [
          'addHouseholdMember',
          'AddHouseholdMemberInput',
          { householdId: household.id, citizenId: household.members[1]!.citizenId, relationshipToHead: 'HEAD' },
        ],
        'BAD_USER_INPUT',
        'input.relationshipToHead',
      ],
      [
        'a birth date in the future',
        () => [
          'registerBirth',
          'RegisterBirthInput',
          {
            fullName: 'A',
            birthDate: '2099-01-01',
            sex: 'MALE',
            birthProvinceCode: '01',
            householdId: household.id,
            relationshipToHead: 'CHILD',
          },
        ],
        'BAD_USER_INPUT',
        'input.birthDate',
      ],
      [
        'a province of birth that never began citizen IDs',
        () => [
          'registerBirth',
          'RegisterBirthInput',
          {
            fullName: 'A',
            birthDate: '2026-01-01',
            sex: 'MALE',
            birthProvinceCode: '03',
            householdId: household.id,
            relationshipToHead: 'CHILD',
          },
        ],
        'BAD_USER_INPUT',
        'input.birthProvinceCode',
      ],
      [
        'both a household to join and a new one',
        () => [
          'changePermanentResidence',
          'ChangePermanentResidenceInput',
          {
            citizenId: household.members[1]!.citizenId,
            householdId: household.id,
            relationshipToHead: 'CHILD',
            newHousehold: { communeCode: A, address: 'x' },
          },
        ],
        'BAD_USER_INPUT',
        'input',
      ],
      [
        'an unknown household',
        () => [
          'removeHouseholdMember',
          'RemoveHouseholdMemberInput',
          { householdId: '999999999', citizenId: household.members[1]!.citizenId },
        ],
        'NOT_FOUND',
        'input.householdId',
      ],
      [
        'an outdated version',
        () => [
          'removeHouseholdMember',
          'RemoveHouseholdMemberInput',
          { householdId: household.id, citizenId: household.members[1]!.citizenId, expectedVersion: 99 },
        ],
        'CONFLICT',
        undefined,
      ],
      [
        'an idempotency key too short',
        () => [
          'removeHouseholdMember',
          'RemoveHouseholdMemberInput',
          { householdId: household.id, citizenId: household.members[1]!.citizenId, idempotencyKey: 'k' },
        ],
        'BAD_USER_INPUT',
        'input.idempotencyKey',
      ],
      [
        'an empty name',
        () => [
          'registerBirth',
          'RegisterBirthInput',
          {
            fullName: '   ',
            birthDate: '2026-01-01',
            sex: 'MALE',
            birthProvinceCode: '01',
            householdId: household.id,
            relationshipToHead: 'CHILD',
          },
        ],
        'BAD_USER_INPUT',
        'input.fullName',
      ],
    ];
    test.each(cases)('%s', async (_name, make, expectedCode, expectedArgument) => {
      const before = await digest(hub.db, 'population');
      const [field, type, input] = make();
      const result = await w.mutate(field, type, input, 'replayed', officerA);
      expect(result.data?.[field] ?? null).toBeNull();
      expect(code(result)).toBe(expectedCode);
      if (expectedArgument) expect(argument(result)).toBe(expectedArgument);
      expect(JSON.stringify(result.errors)).not.toMatch(/stack|at .*\.ts|SELECT|INSERT/);
      expect(await digest(hub.db, 'population')).toBe(before);
    });
  });

  describe('who may write', () => {
    test('an officer cannot write outside their jurisdiction; the refusal is audited and nothing changes', async () => {
      const household = await householdOf(A, 2, 6);
      const before = await digest(hub.db, 'population');
      const death = await w.mutate(
        'recordDeath',
        'RecordDeathInput',
        { citizenId: household.members[1]!.citizenId, deathDate: '2026-11-01' },
        'replayed',
        officerB,
      );
      expect(code(death)).toBe('NOT_FOUND');
      const join = await w.mutate(
        'addHouseholdMember',
        'AddHouseholdMemberInput',
        { householdId: household.id, citizenId: household.members[1]!.citizenId, relationshipToHead: 'CHILD' },
        'replayed',
        AS.communeOfficer(C),
      );
      expect(code(join)).toBe('NOT_FOUND');
      const move = await w.mutate(
        'moveHousehold',
        'MoveHouseholdInput',
        { householdId: household.id, communeCode: C, address: 'x' },
        'replayed',
        officerB,
      );
      expect(code(move)).toBe('FORBIDDEN');
      const province = await w.mutate(
        'moveHousehold',
        'MoveHouseholdInput',
        { householdId: household.id, communeCode: C, address: 'x' },
        'replayed',
        AS.provinceOfficer('01'),
      );
      expect(code(province)).toBe('FORBIDDEN');
      expect(await digest(hub.db, 'population')).toBe(before);
      expect(await w.auditOf(death)).toEqual([expect.objectContaining({ outcome: 'DENIED', fields: ['Mutation.recordDeath'] })]);
      expect(await w.auditOf(move)).toEqual([expect.objectContaining({ outcome: 'DENIED', fields: ['Mutation.moveHousehold'] })]);
    });

    test('citizens, the public and officers without a purpose cannot write', async () => {
      const household = await householdOf(A, 2, 7);
      const input = { householdId: household.id, citizenId: household.members[1]!.citizenId };
      const citizen = await w.mutate(
        'removeHouseholdMember',
        'RemoveHouseholdMemberInput',
        input,
        'replayed',
        AS.citizen(household.members[1]!.citizenId),
      );
      expect(code(citizen)).toBe('FORBIDDEN');
      const anonymous = await w.mutate('removeHouseholdMember', 'RemoveHouseholdMemberInput', input, 'replayed', AS.anonymous);
      expect(code(anonymous)).toBe('UNAUTHENTICATED');
      const noPurpose = await w.mutate('removeHouseholdMember', 'RemoveHouseholdMemberInput', input, 'replayed', officerA, null);
      expect(code(noPurpose)).toBe('PURPOSE_REQUIRED');
      expect(await residentRow(household.members[1]!.citizenId)).toMatchObject({ householdId: household.id });
    });
  });

  describe('idempotency', () => {
    test('a retried request applies once and returns the first result; the key cannot be reused for another change', async () => {
      const household = await householdOf(A, 2, 8);
      const key = `retry-${process.pid}-${Date.now()}`;
      const input = {
        idempotencyKey: key,
        fullName: 'Trần Văn Bình',
        birthDate: '2026-10-10',
        sex: 'MALE',
        birthProvinceCode: '01',
        householdId: household.id,
        relationshipToHead: 'GRANDCHILD',
      };
      const first = await w.mutate('registerBirth', 'RegisterBirthInput', input, CHANGE, officerA);
      const second = await w.mutate('registerBirth', 'RegisterBirthInput', input, CHANGE, officerA);
      const concurrent = await Promise.all([1, 2, 3].map(() => w.mutate('registerBirth', 'RegisterBirthInput', input, CHANGE, officerA)));
      const idOf = (r: GraphQLResult) => (r.data!.registerBirth as { residents: { citizenId: string }[] }).residents[0]!.citizenId;
      expect(first.errors).toBeUndefined();
      expect(second.errors).toBeUndefined();
      expect((second.data!.registerBirth as { replayed: boolean }).replayed).toBe(true);
      expect(new Set([first, second, ...concurrent].map(idOf))).toEqual(new Set([idOf(first)]));
      const named = (await hub.db.query(
        `SELECT count(*)::int AS n FROM population.resident WHERE full_name = $1 AND household_id = $2::bigint`,
        [input.fullName, household.id],
      )) as { n: number }[];
      expect(named[0]!.n).toBe(1);
      const writes = (await hub.db.query(
        `SELECT count(*)::int AS n FROM audit.entry WHERE 'Mutation.registerBirth' = ANY(fields) AND $1 = ANY(subjects)`,
        [idOf(first)],
      )) as { n: number }[];
      expect(writes[0]!.n).toBe(1);
      const reused = await w.mutate('registerBirth', 'RegisterBirthInput', { ...input, fullName: 'Trần Văn Cường' }, 'replayed', officerA);
      expect([code(reused), argument(reused)]).toEqual(['IDEMPOTENCY_KEY_REUSED', 'input.idempotencyKey']);
    });
  });
});
