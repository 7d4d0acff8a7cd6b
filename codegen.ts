import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Types for the SDK's operations, generated from the composed API schema with the client
 * preset. `documentMode: 'string'` emits typed document strings, so the SDK needs no
 * graphql runtime in the browser. Run with `npm run generate`; a test checks for drift.
 */
const config: CodegenConfig = {
  schema: 'schema/api.graphql',
  documents: ['sdk/src/operations/*.graphql'],
  ignoreNoDocuments: false,
  emitLegacyCommonJSImports: false,
  generates: {
    'sdk/src/__generated__/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars: { DateTime: 'string' },
      },
    },
  },
};

export default config;
