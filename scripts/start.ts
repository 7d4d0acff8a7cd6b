import { parseArgs } from 'node:util';
import { repoPath } from './generate/paths.js';
import { DEMO_ORTHANC_PASSWORD, DEMO_ORTHANC_USER, startDemoOrthanc } from './lib/demo-orthanc.js';
import { startDemoXnat } from './lib/demo-xnat.js';
import { demoGraphServices, startService, type RunningService } from './lib/services.js';

// `npm start`: the whole graph on the embedded demo (catalogue, custom kind with generated
// demo data, gateway). Ctrl-C stops everything. Options: --registry, --port, --catalogue-port,
// --custom-port (or CIG_REGISTRY, CIG_GATEWAY_PORT, CIG_CATALOGUE_PORT, CIG_CUSTOM_PORT).
// `--with-orthanc` also starts a local Orthanc (Debian's package) loaded with sample
// studies and the Orthanc subgraph; `--with-xnat` a fake XNAT server (XNAT itself cannot be
// installed here) and the XNAT subgraph. Each combination has its registry in config/.
const { values } = parseArgs({
  options: {
    registry: { type: 'string' },
    port: { type: 'string', default: process.env.CIG_GATEWAY_PORT ?? '4000' },
    'catalogue-port': { type: 'string', default: process.env.CIG_CATALOGUE_PORT ?? '4001' },
    'custom-port': { type: 'string', default: process.env.CIG_CUSTOM_PORT ?? '4002' },
    'with-orthanc': { type: 'boolean', default: false },
    'orthanc-port': { type: 'string', default: process.env.CIG_ORTHANC_PORT ?? '4003' },
    'with-xnat': { type: 'boolean', default: false },
    'xnat-port': { type: 'string', default: process.env.CIG_XNAT_PORT ?? '4004' },
  },
});
const withOrthanc = values['with-orthanc'] === true;
const withXnat = values['with-xnat'] === true;
const demo = withOrthanc && withXnat ? 'demo-full' : withOrthanc ? 'demo-orthanc' : withXnat ? 'demo-xnat' : 'demo';
const registry = values.registry ?? process.env.CIG_REGISTRY ?? repoPath(`config/${demo}/registry.yaml`);
const supergraph = process.env.CIG_GATEWAY_SUPERGRAPH ?? (demo === 'demo' ? undefined : repoPath(`config/${demo}/__generated__/supergraph.graphql`));

const running: { name: string; stop(): Promise<void> }[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  stopping = true;
  await Promise.all(running.reverse().map((service) => service.stop()));
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const ports = {
  gateway: Number(values.port), catalogue: Number(values['catalogue-port']), custom: Number(values['custom-port']),
  ...(withOrthanc && { orthanc: Number(values['orthanc-port']) }),
  ...(withXnat && { xnat: Number(values['xnat-port']) }),
};
try {
  // npm start is for development: GraphiQL, unmasked errors, and the development token key
  // (npm run dev-token). Set CIG_GATEWAY_ENV=production to try the production switches.
  // demoGraphServices gives every process one CIG_INTERNAL_SECRET, so subgraphs can verify
  // the caller header the gateway signs.
  const env: Record<string, string> = { CIG_GATEWAY_ENV: process.env.CIG_GATEWAY_ENV ?? 'development' };
  if (withOrthanc) {
    // The demo registries name this Orthanc at 127.0.0.1:8042 and its credential variables.
    const orthanc = await startDemoOrthanc(8042, (line) => console.log(line));
    running.push({ name: 'Orthanc', stop: () => orthanc.stop() });
    env.CIG_SITE_DEMO_ORTHANC_USER = DEMO_ORTHANC_USER;
    env.CIG_SITE_DEMO_ORTHANC_PASSWORD = DEMO_ORTHANC_PASSWORD;
  }
  if (withXnat) {
    // Likewise the fake XNAT at 127.0.0.1:8080.
    const xnat = await startDemoXnat(8080);
    running.push({ name: 'fake XNAT', stop: () => xnat.close() });
    env.CIG_SITE_DEMO_XNAT_USER = xnat.username;
    env.CIG_SITE_DEMO_XNAT_PASSWORD = xnat.password;
  }
  for (const spec of demoGraphServices({ registry, ports, output: 'inherit', env, ...(supergraph && { supergraph }) })) {
    const service: RunningService = await startService(spec);
    running.push(service);
    service.child.once('exit', (code, signal) => {
      // The rest of the graph keeps serving: the gateway answers what it can and /readyz
      // reports the missing part, as in production.
      if (!stopping) console.error(`${service.name} stopped (exit ${code ?? signal}); the rest of the graph keeps running. Ctrl-C stops all.`);
    });
  }
} catch (error) {
  console.error(`Could not start the graph: ${(error as Error).message}`);
  await stopAll(1);
}
console.log(`\nCancer Imaging Graph is up (${demo}).\n  GraphiQL: http://127.0.0.1:${ports.gateway}/graphiql\n  GraphQL:  http://127.0.0.1:${ports.gateway}/graphql\nPress Ctrl-C to stop.\n`);
