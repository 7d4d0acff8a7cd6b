/** POSTs a GraphQL operation and returns status, raw text and parsed body. */
export async function postGraphQL(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: JSON.parse(text) as { data?: Record<string, any> | null; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] },
  };
}
