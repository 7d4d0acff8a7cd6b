export { describeProviderConformance, type ConformanceTarget } from './conformance.js';
export { createInMemoryAdapter, buildFixtureRows, rowMatches, countRows, type SeriesRow } from './in-memory-adapter.js';
export { withInjectedFaults, type InjectedFaults } from './fault-injection.js';
export { postgresTestsEnabled, postgresBinDir, startLocalPostgres, type LocalPostgres } from './postgres.js';
