import { dropDatabase } from './helpers/postgres';

export default async function globalTeardown(): Promise<void> {
  const url = process.env.LT_TEST_DATABASE_URL;
  if (!url || process.env.KEEP_TEST_DATABASE === 'true') return;
  await dropDatabase(url);
  if (process.env.LT_TEST_DATABASE_TEMPLATE) await dropDatabase(process.env.LT_TEST_DATABASE_TEMPLATE);
}
