import { Kind, parse, type DocumentNode } from 'graphql';

export type OperationType = 'query' | 'mutation' | 'subscription';

/** Whitespace, commas (insignificant in GraphQL), a BOM and `#` comments before the first token. */
const LEADING_IGNORED = /^(?:[\s,\uFEFF]|#[^\n\r]*)*/;

/**
 * The type of the one operation in a subgraph fetch the planner wrote. The planner starts
 * its documents with the operation (`query Name__sub__0(...)`, `mutation ...` or `{`), so
 * the first token answers without parsing; anything else (fragments first) is parsed. A
 * document that does not parse is not a query: it is never retried, merged or cached.
 */
export function operationTypeOf(query: string, document?: DocumentNode): OperationType {
  if (document) return typeOfDocument(document);
  const start = LEADING_IGNORED.exec(query)?.[0].length ?? 0;
  if (query.startsWith('{', start)) return 'query';
  const word = /^[_A-Za-z][_0-9A-Za-z]*/.exec(query.slice(start, start + 13))?.[0];
  if (word === 'query' || word === 'mutation' || word === 'subscription') return word;
  try {
    return typeOfDocument(parse(query, { noLocation: true }));
  } catch {
    return 'mutation';
  }
}

function typeOfDocument(document: DocumentNode): OperationType {
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) return definition.operation as OperationType;
  }
  return 'mutation';
}
