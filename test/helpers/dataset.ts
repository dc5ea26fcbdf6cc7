import type { DataSource } from 'typeorm';
import { seedSynthetic } from '../../hub/seed';

/** A commune and province the test data set fills densely (Phường Ba Đình, Hà Nội). */
export const DENSE_COMMUNE = '00004';
export const DENSE_PROVINCE = '01';

/**
 * The tests' data set: the same deterministic seeder as production, concentrated on a few
 * communes (three wards and a rural commune of Hà Nội, a ward of Hồ Chí Minh City, a commune of
 * Lào Cai) so pages of 100 exist, plus every other commune reachable through references.
 */
export const TEST_DATASET = {
  residents: 3000,
  seed: 7,
  communeCodes: [DENSE_COMMUNE, '00008', '00025', '08974', '26740', '02824'],
};

export async function seedTestData(db: DataSource): Promise<void> {
  await seedSynthetic(db, TEST_DATASET);
}
