/**
 * Jest only transpiles (ts-jest with isolatedModules); `npm run check:types` typechecks.
 * Suites that need PostgreSQL use the run's own database created in test/globalSetup.ts, or the
 * embedded PGlite when no server is reachable outside CI.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: [
    '<rootDir>/test/**/*.test.ts',
    '<rootDir>/subgraphs/**/__tests__/**/*.test.ts',
    '<rootDir>/cli/**/__tests__/**/*.test.ts',
    '<rootDir>/hub/**/__tests__/**/*.test.ts',
    '<rootDir>/shared/**/__tests__/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/.data/'],
  globalSetup: '<rootDir>/test/globalSetup.ts',
  globalTeardown: '<rootDir>/test/globalTeardown.ts',
  testTimeout: 180_000,
  // One worker: suites that write share the run's seeded database, and two of them (the entity-cache
  // scenarios of test/entity-cache.test.ts and test/redis-cluster.test.ts) rename the same resident;
  // side by side, one read the other's write (a fresh-clone run with two workers, 413 s, failed once).
  maxWorkers: 1,
};
