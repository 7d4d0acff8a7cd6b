import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EucaimSearchData } from './eucaim-operation.js';
import { createEucaimRoute, UNAVAILABLE_PROVIDERS_HEADER, type EucaimExecution, type EucaimOperation } from './eucaim-route.js';

let server: Server;
let base: string;
let calls: EucaimOperation[] = [];
let next: EucaimExecution = {};

const data: EucaimSearchData = {
  providers: [
    {
      id: 'site-a',
      cohort: {
        status: 'OK',
        unsupportedCriteria: [],
        datasets: [{
          dataset: { id: 'site-a:custom:lung', title: 'Lung CT', description: 'Chest CT', modalities: ['CT'], bodyParts: ['CHEST'], sex: ['MALE'], ageRange: { min: 40, max: 80 } },
          subjects: { value: 120, precision: 'ROUNDED' },
          studies: { value: 250, precision: 'ROUNDED' },
        }],
      },
    },
    { id: 'site-b', cohort: null },
  ],
};

beforeAll(async () => {
  const route = createEucaimRoute({ providerName: 'Test node' });
  const logger = pino({ level: 'silent' });
  server = createServer((req, res) => {
    const execute = async (operation: EucaimOperation) => {
      calls.push(operation);
      return next;
    };
    void route(req, res, new URL(req.url!, 'http://gateway'), execute, logger).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

beforeEach(() => {
  calls = [];
  next = { data };
});

describe('GET /eucaim/search', () => {
  it('runs the graph operation with the criteria of the parameters and answers in EUCAIM\'s shape', async () => {
    const response = await fetch(`${base}/eucaim/search?diagnosis=363358000&modality=RID10321&modality=RID10337`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.query).toContain('cohort(criteria: $criteria)');
    expect(calls[0]!.variables).toEqual({ criteria: { cancerTypes: ['LUNG'], modalities: ['CT', 'PT'] } });
    const body = await response.json();
    expect(body).toEqual({
      provider: 'Test node',
      collections: [{
        id: 'site-a:custom:lung', name: 'Lung CT', description: 'Chest CT', subjects_count: 120, studies_count: 250,
        age_range: { min: 40, max: 80 }, gender: ['Male'], modalities: ['CT'], body_parts: ['CHEST'],
      }],
      total: { subjects_count: 120, studies_count: 250 },
      unavailable_providers: [{ id: 'site-b', status: 'UNREACHABLE' }],
    });
    expect(response.headers.get(UNAVAILABLE_PROVIDERS_HEADER)).toBe('site-b');
  });

  it('answers the same under the path with a trailing slash, as EUCAIM\'s agent may call it', async () => {
    const response = await fetch(`${base}/eucaim/search/?gender=female`);
    expect(response.status).toBe(200);
    expect(calls[0]!.variables).toEqual({ criteria: { sex: ['FEMALE'] } });
  });

  it('refuses an unknown code with 400 and a coded error naming each bad parameter, without asking the graph', async () => {
    const response = await fetch(`${base}/eucaim/search?gender=248152002&modality=RID10311&bodyPart=99999999`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        { message: expect.stringContaining('"RID10311"'), extensions: { code: 'BAD_USER_INPUT', parameter: 'modality' } },
        { message: expect.stringContaining('"99999999"'), extensions: { code: 'BAD_USER_INPUT', parameter: 'bodyPart' } },
      ],
    });
    expect(calls).toHaveLength(0);
  });

  it('names the parameter when the graph refuses an argument', async () => {
    next = { data: null, errors: [{ message: 'Invalid argument "criteria.manufacturers": too long.', extensions: { code: 'BAD_USER_INPUT', argument: 'criteria.manufacturers' } }] };
    const response = await fetch(`${base}/eucaim/search?manufacturer=Acme`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Invalid argument "criteria.manufacturers": too long.', extensions: { code: 'BAD_USER_INPUT', parameter: 'manufacturer' } }],
    });
  });

  it('answers 503 with the graph\'s coded error when there is no provider list at all', async () => {
    next = { data: null, errors: [{ message: 'The catalogue subgraph is unavailable.', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }] };
    const response = await fetch(`${base}/eucaim/search`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ errors: [{ message: 'The catalogue subgraph is unavailable.', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }] });
  });

  it('answers only GET', async () => {
    const response = await fetch(`${base}/eucaim/search`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(calls).toHaveLength(0);
  });

  it('leaves other paths to the next route', async () => {
    expect((await fetch(`${base}/eucaim/searches`)).status).toBe(404);
    expect((await fetch(`${base}/eucaim`)).status).toBe(404);
  });
});
