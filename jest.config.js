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
  // Two workers (the machine's two cores): suites run side by side, so none writes in the run's shared
  // database — a suite that writes takes a copy of its own (test/helpers/postgres.ts
  // createSeededDatabase), its own Redis prefix, roles and ports.
  maxWorkers: 2,
};
