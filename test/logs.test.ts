import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger, serializeError } from '../shared/observability/logger';
import { DENSE_COMMUNE } from './helpers/dataset';
import { openTestHub, type TestHub } from './helpers/hub';
import { AS } from './helpers/identities';
import { OPERATIONS } from '../hub/operations';

describe('no personal data in application logs', () => {
  test('a database error is logged without its SQL parameters or row values', () => {
    const error = new QueryFailedError(
      'SELECT * FROM population.resident WHERE citizen_id = $1',
      ['001099012345'],
      Object.assign(new Error('duplicate key value violates unique constraint "resident_pkey"'), {
        code: '23505',
        detail: 'Key (citizen_id)=(001099012345) already exists.',
      }),
    );
    const logged = JSON.stringify(serializeError(error));
    expect(logged).toContain('23505');
    expect(logged).not.toContain('001099012345');
    expect(logged).not.toContain('citizen_id)=');
  });

  describe('a hub at debug level', () => {
    let hub: TestHub;
    let output = '';
    beforeAll(async () => {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          output += chunk.toString();
          done();
        },
      });
      hub = await openTestHub({ log: createLogger('gateway', 'debug', sink) });
    });
    afterAll(async () => {
      await hub?.close();
    });

    test('serving, refusing and failing requests logs no citizen ID, name or address', async () => {
      const result = await hub.run(OPERATIONS.CommuneResidents, { code: DENSE_COMMUNE }, { identity: AS.communeOfficer(DENSE_COMMUNE) });
      expect(result.errors).toBeUndefined();
      await hub.run(OPERATIONS.CommuneResidents, { code: DENSE_COMMUNE }, { identity: AS.communeOfficer(DENSE_COMMUNE), purpose: null });
      await hub.run(`{ resident(citizenId: "001099999999") { fullName } }`);
      const residents = (result.data!.commune as { residents: { edges: { node: { citizenId: string; fullName: string } }[] } }).residents
        .edges;
      const [household] = await hub.db.query(`SELECT address FROM population.household WHERE commune_code = $1 LIMIT 1`, [DENSE_COMMUNE]);
      for (const { node } of residents) {
        expect(output).not.toContain(node.citizenId);
        expect(output).not.toContain(node.fullName);
      }
      expect(output).not.toContain(household.address);
      expect(output).not.toContain('001099999999');
      expect(output).toContain('"service":"gateway"');
    });
  });
});
