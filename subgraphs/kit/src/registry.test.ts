import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kindsOf, kindTypePrefix, parseRegistry, RegistryError } from './registry.js';

const site = (id: string, extra = '') => `  - { id: ${id}, name: Site ${id}, country: NL, kind: custom, baseUrl: "demo:"${extra} }\n`;
const dataset = (siteId: string, localId: string) => `  - { site: ${siteId}, localId: ${localId}, title: T, cancerTypes: [LUNG], publisher: { name: P } }\n`;

describe('parseRegistry', () => {
  it('merges curated datasets from several files relative to the registry', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cig-registry-'));
    await writeFile(path.join(dir, 'a.yaml'), `datasets:\n${dataset('s1', 'one')}`);
    await writeFile(path.join(dir, 'b.yaml'), `datasets:\n${dataset('s2', 'two')}`);
    const registry = await parseRegistry(`sites:\n${site('s1')}${site('s2')}datasets: [./a.yaml, ./b.yaml]\n`, path.join(dir, 'registry.yaml'));
    expect(registry.datasets.map((d) => d.localId)).toEqual(['one', 'two']);
  });

  it('lets a site make privacy thresholds stricter, never looser', async () => {
    const strict = await parseRegistry(`sites:\n${site('s1', ', privacy: { minCount: 20 }')}`, '/r.yaml');
    expect(strict.sites[0]!.privacy).toEqual({ minCount: 20, roundTo: 10 });
    await expect(parseRegistry(`sites:\n${site('s1', ', privacy: { minCount: 5 }')}`, '/r.yaml')).rejects.toThrow(/stricter/);
  });

  it('refuses duplicate site ids, datasets of unknown sites and credentials given as values', async () => {
    await expect(parseRegistry(`sites:\n${site('s1')}${site('s1')}`, '/r.yaml')).rejects.toThrow(RegistryError);
    await expect(parseRegistry(`sites:\n${site('s1')}datasets:\n${dataset('nope', 'x')}`, '/r.yaml')).rejects.toThrow(/unknown site/);
    await expect(parseRegistry(`sites:\n${site('s1', ', credentials: { password: "hunter2 secret" }')}`, '/r.yaml')).rejects.toThrow(/env var name/);
  });

  it('reads a site\'s circuit-breaker overrides and refuses impossible ones', async () => {
    const registry = await parseRegistry(`sites:\n${site('s1', ', circuit: { openMs: 30000, failureRatio: 0.8 }')}${site('s2', ', circuit: { enabled: false }')}${site('s3')}`, '/r.yaml');
    expect(registry.sites.map((s) => s.circuit)).toEqual([{ openMs: 30_000, failureRatio: 0.8 }, { enabled: false }, undefined]);
    await expect(parseRegistry(`sites:\n${site('s1', ', circuit: { failureRatio: 1.5 }')}`, '/r.yaml')).rejects.toThrow(RegistryError);
    await expect(parseRegistry(`sites:\n${site('s1', ', circuit: { openMs: 0 }')}`, '/r.yaml')).rejects.toThrow(RegistryError);
    await expect(parseRegistry(`sites:\n${site('s1', ', circuit: { openMS: 100 }')}`, '/r.yaml')).rejects.toThrow(/openMS/);
  });

  it('names kinds and their GraphQL type prefixes', async () => {
    const registry = await parseRegistry(`sites:\n${site('s1')}`, '/r.yaml');
    expect(kindsOf(registry)).toEqual(['custom']);
    expect(kindTypePrefix('my-pacs')).toBe('MyPacs');
  });
});
