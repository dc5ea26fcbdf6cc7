import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notices of dossiers falling due (deadlines.ts): which notice a dossier last had and for which
 * due time, so each is announced once per due time by whichever process claims it first; and the
 * unfinished dossiers by due time, which every pass reads.
 */
export class DueNotices1767300000005 implements MigrationInterface {
  name = 'DueNotices1767300000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public_services.dossier ADD COLUMN due_notice text, ADD COLUMN due_noticed_for timestamptz`);
    await q.query(
      `CREATE INDEX dossier_unfinished_due_idx ON public_services.dossier (due_at) WHERE status IN ('RECEIVED', 'IN_PROGRESS', 'FEE_REQUESTED')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX public_services.dossier_unfinished_due_idx`);
    await q.query(`ALTER TABLE public_services.dossier DROP COLUMN due_notice, DROP COLUMN due_noticed_for`);
  }
}
