import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import type { RequestOptions } from './transport-types.js';

/**
 * A GraphQL document as text, typed with its result and variables: what the codegen client
 * preset emits with `documentMode: 'string'`, for the SDK's own operations and for yours
 * (docs/sdk.md). Structural on purpose: each codegen run emits its own TypedDocumentString
 * class, whose private field would make a nominal type refuse documents of another run.
 */
export type TypedDocument<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & { toString(): string };

/**
 * The variables argument of `execute`/`request`: optional when the document has no
 * required variable, required otherwise, so a missing argument fails to compile.
 */
export type VariablesArgs<TVariables> = Record<string, never> extends TVariables
  ? [variables?: TVariables, options?: RequestOptions]
  : [variables: TVariables, options?: RequestOptions];

/**
 * The text of a document. Only string documents are accepted: a parsed DocumentNode would
 * need graphql-js's printer, which the SDK leaves out to stay small in the browser.
 */
export function documentText(document: { toString(): string }): string {
  if (typeof document === 'string') return document;
  if (document instanceof String) return document.toString();
  throw new TypeError('The Cancer Imaging SDK runs documents as text: generate them with the codegen client preset and `documentMode: \'string\'` (docs/sdk.md).');
}
