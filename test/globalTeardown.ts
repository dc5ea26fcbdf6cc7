import { dropDatabase } from './helpers/postgres';

export default async function globalTeardown(): Promise<void> {
  const url = process.env.LT_TEST_DATABASE_URL;
  if (url && process.env.KEEP_TEST_DATABASE !== 'true') await dropDatabase(url);
}
