import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoPath } from './generate/paths.js';
import { nextSteps } from './new-provider/next-steps.js';
import { scaffoldProvider, type ScaffoldOptions } from './new-provider/scaffold.js';

// `npm run new-provider -- <kind> [options]`: scaffolds subgraphs/<kind> for a repository
// kind the graph has never seen. The only module of the scaffold that touches `process`.
const USAGE = `Usage: npm run new-provider -- <kind> [options]

  <kind>                 lower-case letters, digits and dashes, e.g. json-files

  --registry <file>      also add a first site of the kind to this registry, and recompose
                         its supergraph; needs --country and --base-url
    --site-id <id>       default: <kind>-1
    --site-name <name>   default: "<Kind> site"
    --country <CC>       ISO 3166-1 alpha-2 code of the site
    --base-url <url>     where the site's repository answers
  --supergraph <file>    where the supergraph of --registry goes when schema/subgraphs.json
                         does not list that registry
  --install              run \`npm install\` and \`npm run generate\` afterwards
  --root <dir>           the checkout to scaffold into (default: this repository)
`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(1);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      registry: { type: 'string' }, 'site-id': { type: 'string' }, 'site-name': { type: 'string' }, country: { type: 'string' },
      'base-url': { type: 'string' }, supergraph: { type: 'string' }, install: { type: 'boolean', default: false },
      root: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length !== 1) fail(positionals.length === 0 ? 'Name the kind.' : `One kind at a time (got ${positionals.join(', ')}).`);
const kind = positionals[0]!;

let registry: ScaffoldOptions['registry'];
if (values.registry !== undefined) {
  if (!values.country || !values['base-url']) fail('--registry needs --country and --base-url for the new site.');
  const typeName = kind.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join(' ');
  registry = {
    file: values.registry,
    site: { id: values['site-id'] ?? `${kind}-1`, name: values['site-name'] ?? `${typeName} site`, country: values.country, baseUrl: values['base-url'] },
  };
} else if (values['site-id'] || values['site-name'] || values.country || values['base-url'] || values.supergraph) {
  fail('--site-id, --site-name, --country, --base-url and --supergraph go with --registry.');
}

const root = values.root ?? repoPath('.');
// npm runs scripts in the package root; a relative --registry means the caller's directory.
const callerDir = process.env['INIT_CWD'] ?? process.cwd();
const resolveFromCaller = (file: string) => path.resolve(callerDir, file);
try {
  const result = await scaffoldProvider({
    kind,
    root,
    ...(registry && { registry: { ...registry, file: resolveFromCaller(registry.file) } }),
    ...(values.supergraph && { supergraphOut: resolveFromCaller(values.supergraph) }),
  });
  console.log(`Scaffolded the ${kind} kind (${result.names.packageName}, port ${result.port}):`);
  for (const file of result.written) console.log(`  wrote ${file}`);
  let installed = false;
  if (values.install) {
    for (const args of [['install'], ['run', 'generate']]) {
      console.log(`\n$ npm ${args.join(' ')}`);
      const run = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
      if (run.status !== 0) fail(`npm ${args.join(' ')} failed (exit ${run.status}); the scaffolded files are in place.`);
    }
    installed = true;
  }
  console.log('\nNext steps:');
  nextSteps(result, { ...(registry && { registry }), installed }).forEach((step, index) => console.log(`  ${index + 1}. ${step}`));
} catch (error) {
  console.error(`new-provider: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
