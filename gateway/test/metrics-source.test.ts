import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, loadGatewayConfig } from '../src/index.js';
import type { MetricsSource } from '../src/server.js';
import { captureLogger, startTestFederation, type TestFederation } from './fixtures/federation.js';

// The seam cluster workers use (cluster/worker-link.ts): /metrics serves what the source
// gives, and the source is handed this process's own exposition.
const devKeysDir = join(mkdtempSync(join(tmpdir(), 'cig-gateway-metrics-source-')), 'dev-keys');
afterAll(() => rmSync(join(devKeysDir, '..'), { recursive: true, force: true }));

describe('GET /metrics with a metrics source (cluster workers)', () => {
  let federation: TestFederation;
  beforeAll(async () => {
    federation = await startTestFederation();
  });
  afterAll(async () => {
    await federation?.dispose();
  });

  async function withGateway(source: MetricsSource, run: (base: string) => Promise<void>): Promise<void> {
    const config = loadGatewayConfig({ CIG_GATEWAY_PORT: '0', CIG_GATEWAY_DEV_KEYS_DIR: devKeysDir, ...federation.overrides });
    const gateway = createGateway({ config, logger: captureLogger().logger, supergraphSdl: federation.supergraphSdl, metricsSource: source });
    const { url } = await gateway.start();
    try {
      await run(new URL('/', url).href.replace(/\/$/, ''));
    } finally {
      await gateway.stop();
    }
  }

  it('serves the source\'s text, having given the source this process\'s own exposition at start', async () => {
    let local: (() => string) | undefined;
    await withGateway({ attach: (render) => (local = render), render: async () => `merged\n${local?.() ?? ''}` }, async (base) => {
      expect(local).toBeDefined();
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text.startsWith('merged\n')).toBe(true);
      expect(text).toContain('# TYPE cig_gateway_http_requests_total counter');
    });
  });

  it('answers 503 with retry-after when the source cannot answer in time', async () => {
    await withGateway({ attach: () => undefined, render: () => Promise.reject(new Error('the cluster primary did not answer')) }, async (base) => {
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.text()).toBe('Metrics are unavailable right now.\n');
    });
  });
});
