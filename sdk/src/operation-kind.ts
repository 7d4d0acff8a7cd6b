/**
 * Whether a document's operations are all queries: only those are retried, since a
 * mutation the server may have applied must never be sent twice. Reads the text with a
 * tiny scanner (comments, strings, nesting) rather than graphql-js's parser, which the
 * SDK leaves out of the browser bundle. Conservative: a `mutation` or `subscription`
 * keyword at the top level of any definition makes the whole document not retryable.
 */
export function isQueryOnly(source: string): boolean {
  let braces = 0;
  let parens = 0;
  let index = 0;
  let sawOperation = false;
  while (index < source.length) {
    const char = source[index]!;
    if (char === '#') {
      const end = source.indexOf('\n', index);
      index = end === -1 ? source.length : end + 1;
    } else if (char === '"') {
      index = skipString(source, index);
    } else if (char === '{') {
      // A selection set at the top level with no keyword before it is the query shorthand.
      if (braces === 0 && parens === 0) sawOperation = true;
      braces += 1;
      index += 1;
    } else if (char === '}') {
      braces -= 1;
      index += 1;
    } else if (char === '(') {
      parens += 1;
      index += 1;
    } else if (char === ')') {
      parens -= 1;
      index += 1;
    } else if (/[A-Za-z_]/.test(char)) {
      let end = index + 1;
      while (end < source.length && /[A-Za-z0-9_]/.test(source[end]!)) end += 1;
      const word = source.slice(index, end);
      if (braces === 0 && parens === 0 && (word === 'mutation' || word === 'subscription')) return false;
      index = end;
    } else {
      index += 1;
    }
  }
  return sawOperation;
}

/** The index just past the string literal (plain or block) that starts at `start`. */
function skipString(source: string, start: number): number {
  if (source.startsWith('"""', start)) {
    let index = start + 3;
    while (index < source.length) {
      if (source.startsWith('\\"""', index)) index += 4;
      else if (source.startsWith('"""', index)) return index + 3;
      else index += 1;
    }
    return source.length;
  }
  let index = start + 1;
  while (index < source.length) {
    const char = source[index]!;
    if (char === '\\') index += 2;
    else if (char === '"' || char === '\n') return index + 1;
    else index += 1;
  }
  return source.length;
}
