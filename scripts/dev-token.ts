import { parseArgs } from 'node:util';
import { ROLES, isRole, type Role } from '@cancer-imaging/provider-kit';
import { createDevToken, DEV_TOKEN_ISSUER, loadDevKeyPair, loadGatewayConfig, parseDuration } from '@cancer-imaging/gateway';

// `npm run dev-token -- --role researcher --grant <datasetId>[,...] [--sub alice] [--expires 8h]`
// Prints a bearer token signed with the local development key (.cache/dev-keys, made on
// first use) for a gateway running in development (`npm start`). The token alone goes to
// stdout, so `TOKEN=$(npm run -s dev-token -- ...)` works; everything else to stderr.
// Refused unless the environment is development: CIG_GATEWAY_ENV unset counts as
// development here, as it does for `npm start`; CIG_GATEWAY_ENV=production or
// NODE_ENV=production refuse. A production gateway never trusts the key anyway.

const USAGE = `Usage: npm run dev-token -- [--role ${ROLES.join('|')}]... [--grant <datasetId>[,...]]...
                           [--sub <subject>] [--name <display name>] [--expires 8h] [--grant-expires 30d]
  --role           a role of the caller; repeat or comma-separate (default: researcher)
  --grant          graph ids of datasets the token grants, e.g. demo-nl:custom:lung-ct-01
  --sub            the caller's subject (default: dev-user)
  --expires        token lifetime: 90s, 30m, 8h, 2d (default: 8h, at most 30d)
  --grant-expires  lifetime of the grants (default: the token's)`;

function fail(message: string): never {
  console.error(`dev-token: ${message}`);
  process.exit(1);
}

function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      grant: { type: 'string', multiple: true },
      sub: { type: 'string', default: 'dev-user' },
      name: { type: 'string' },
      expires: { type: 'string', default: '8h' },
      'grant-expires': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
if (values.help) {
  console.error(USAGE);
  process.exit(0);
}

let config;
try {
  config = loadGatewayConfig(process.env, { cwd: process.cwd(), defaultEnvironment: 'development' });
} catch (error) {
  fail((error as Error).message);
}
if (config.env !== 'development') {
  fail(
    'refused: development tokens are for a gateway in development only, and this environment is production '
      + `(CIG_GATEWAY_ENV=${process.env.CIG_GATEWAY_ENV ?? '(unset)'}, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}). `
      + 'Get a token from the identity provider instead.',
  );
}

const roleNames = splitList(values.role);
const unknownRoles = roleNames.filter((role) => !isRole(role));
if (unknownRoles.length > 0) fail(`unknown role ${unknownRoles.join(', ')}; roles are ${ROLES.join(', ')}`);
const roles: Role[] = roleNames.length > 0 ? [...new Set(roleNames.filter(isRole))] : ['researcher'];
const expiresInSeconds = parseDuration(values.expires);
if (expiresInSeconds === undefined) fail(`--expires ${values.expires} is not a duration such as 30m, 8h or 2d`);
const grantSeconds = values['grant-expires'] === undefined ? undefined : parseDuration(values['grant-expires']);
if (values['grant-expires'] !== undefined && grantSeconds === undefined) fail(`--grant-expires ${values['grant-expires']} is not a duration such as 8h or 30d`);
const sub = values.sub.trim();
if (sub.length === 0) fail('--sub must not be empty');

try {
  const keyPair = await loadDevKeyPair(config.auth.devKeysDir);
  const now = new Date();
  const { token, expiresAt, grants } = await createDevToken({
    keyPair,
    audience: config.auth.devAudience,
    sub,
    roles,
    datasetIds: splitList(values.grant),
    ...(grantSeconds !== undefined && { grantsExpireAt: new Date(now.getTime() + grantSeconds * 1000) }),
    ...(values.name !== undefined && { name: values.name }),
    expiresInSeconds,
    now,
  });
  console.error(
    `Development token (iss ${DEV_TOKEN_ISSUER}, aud ${config.auth.devAudience}) for ${sub}, roles ${roles.join(', ')}`
      + `${grants.length > 0 ? `, grants ${grants.map((grant) => grant.datasetId).join(', ')}` : ''}; expires ${expiresAt.toISOString()}.\n`
      + 'Send it as "Authorization: Bearer <token>" to a gateway started with npm start.',
  );
  console.log(token);
} catch (error) {
  fail((error as Error).message);
}
