import { createClient, type CancerImagingClient } from '@cancer-imaging/sdk';

// What every example reads from the environment, in one place: the graph's endpoint and,
// for the access example, the two callers' tokens.

/** The gateway's GraphQL endpoint; `npm start` serves it here. */
export const graphUrl = process.env['CIG_GRAPH_URL'] ?? 'http://127.0.0.1:4000/graphql';

/** A client of the graph, anonymous unless given a token. */
export function connect(token?: string): CancerImagingClient {
  return createClient({ url: graphUrl, ...(token && { token }) });
}

/** A token from the environment; without it the example says how to make one and stops. */
export function requireToken(name: string, role: string): string {
  const token = process.env[name];
  if (!token) {
    console.error(
      `${name} is not set. With the graph started by \`npm start\` (development), make one with:\n`
        + `  export ${name}=$(npm run -s dev-token -- --role ${role} --sub ${role === 'committee' ? 'dac' : 'rita'})`,
    );
    process.exit(2);
  }
  return token;
}

/** Pads cells into aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
