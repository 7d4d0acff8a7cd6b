import { defineConfig } from 'vitest/config';

// One run over every workspace: unit tests beside the code (src/**/*.test.ts),
// package integration tests (<pkg>/test/**/*.test.ts) and cross-service e2e (e2e/**/*.e2e.ts).
export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'], externalConditions: ['development'] } },
  test: {
    include: ['**/src/**/*.test.ts', '**/test/**/*.test.ts', 'e2e/**/*.e2e.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
