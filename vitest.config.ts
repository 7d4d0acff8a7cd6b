import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// One run over every workspace: unit tests beside the code (src/**/*.test.ts),
// package integration tests (<pkg>/test/**/*.test.ts) and cross-service e2e (e2e/**/*.e2e.ts).
export default defineConfig({
  resolve: {
    conditions: ['development'],
    // graphql 16 ships CJS (index.js) and ESM (index.mjs). Node resolves `import 'graphql'`
    // to the CJS build, as do the Apollo packages; Vite would pick the .mjs build and give
    // two graphql realms ("Cannot use GraphQLSchema from another module"). Pin it to Node's.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  ssr: { resolve: { conditions: ['development'], externalConditions: ['development'] } },
  test: {
    include: ['**/src/**/*.test.ts', '**/test/**/*.test.ts', 'scripts/**/*.test.ts', 'e2e/**/*.e2e.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.cache/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
