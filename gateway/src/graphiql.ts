import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

const gzip = promisify(gzipCallback);

/** The self-contained UMD build: React, GraphiQL 5 and Monaco in one file, no CDN. */
const BUNDLE = 'yoga-graphiql.umd.js';
const STYLESHEET = 'graphiql.css';
/** Monaco's web workers, built by vite-plugin-monaco-editor as `<label>.worker[.]*.bundle.js`. */
const WORKER_DIR = 'monacoeditorwork';
const WORKER_FILE = /^([a-z0-9_-]+)\.worker\.+bundle\.js$/i;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface GraphiQLOptions {
  /** Path of the page; assets are served under `<path>/assets/`. @default '/graphiql' */
  readonly path?: string;
  /** Endpoint the editor sends operations to. @default '/graphql' */
  readonly endpoint?: string;
  /** Shown in the tab and the header. @default 'Cancer Imaging Graph' */
  readonly title?: string;
  /** Operation shown on first visit. @default a providers query */
  readonly defaultQuery?: string;
}

interface Asset {
  readonly file: string;
  readonly size: number;
  readonly etag: string;
  readonly contentType: string;
  gzipped?: Promise<Buffer>;
}

interface Prepared {
  readonly version: string;
  readonly html: string;
  /** Every servable file, keyed by its path under dist/ with "/" separators: the allow-list. */
  readonly assets: ReadonlyMap<string, Asset>;
}

export interface GraphiQL {
  /** Lists the package's files and builds the page; call once at start to fail fast. */
  prepare(): Promise<void>;
  /** Serves the page or an asset if `pathname` is one of ours; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

const DEFAULT_QUERY = `# Providers of the Cancer Imaging Graph.
query Providers {
  providers {
    id
    name
  }
}
`;

/** Serialises a value into an inline <script> without letting it close the tag. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map(async (entry) => {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(root, full);
      return entry.isFile() ? [relative(root, full).split(sep).join('/')] : [];
    }),
  );
  return files.flat();
}

function buildHtml(options: Required<GraphiQLOptions>, version: string, workers: Readonly<Record<string, string>>): string {
  const assets = `${options.path}/assets/`;
  const v = `?v=${encodeURIComponent(version)}`;
  const workerUrls = Object.fromEntries(Object.entries(workers).map(([label, file]) => [label, `${assets}${file}${v}`]));
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>${escapeHtml(options.title)}</title>
  <!-- An empty icon, so browsers do not ask the gateway for /favicon.ico. -->
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${assets}${STYLESHEET}${v}">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <noscript>GraphiQL needs JavaScript.</noscript>
  <div id="graphiql"></div>
  <script>
    // Monaco asks for a worker per language; the UMD build leaves their location to the page.
    // Classic workers: the bundles are IIFEs, and this works in every browser.
    (function () {
      var workers = ${scriptJson(workerUrls)};
      self.MonacoEnvironment = {
        getWorker: function (_moduleId, label) {
          return new Worker(workers[label] || workers.editor, { name: label });
        }
      };
    })();
  </script>
  <script src="${assets}${BUNDLE}${v}"></script>
  <script>
    YogaGraphiQL.renderYogaGraphiQL(document.getElementById('graphiql'), ${scriptJson({
      endpoint: options.endpoint,
      title: escapeHtml(options.title),
      // Yoga's `query` is the initial operation; a ?query= in the page URL wins over it.
      query: options.defaultQuery,
    })});
  </script>
</body>
</html>
`;
}

/**
 * GraphiQL served entirely from the installed `@graphql-yoga/graphiql` package, so it works
 * offline and needs no CDN: an HTML page plus the package's UMD bundle, stylesheet and
 * Monaco workers under `<path>/assets/`. Only files that exist under the package's dist/
 * can be served (an allow-list built at start), which rules out path traversal.
 */
export function createGraphiQL(options: GraphiQLOptions = {}): GraphiQL {
  const settings: Required<GraphiQLOptions> = {
    path: options.path ?? '/graphiql',
    endpoint: options.endpoint ?? '/graphql',
    title: options.title ?? 'Cancer Imaging Graph',
    defaultQuery: options.defaultQuery ?? DEFAULT_QUERY,
  };
  const assetPrefix = `${settings.path}/assets/`;
  let prepared: Promise<Prepared> | undefined;

  async function load(): Promise<Prepared> {
    const require = createRequire(import.meta.url);
    const packageJsonPath = require.resolve('@graphql-yoga/graphiql/package.json');
    const { version } = JSON.parse(await readFile(packageJsonPath, 'utf8')) as { version: string };
    const dist = join(dirname(packageJsonPath), 'dist');
    const assets = new Map<string, Asset>();
    const workers: Record<string, string> = {};
    for (const name of await listFiles(dist)) {
      const contentType = CONTENT_TYPES[extname(name)];
      // The ES build (7 MB) needs a bundler's module graph; the page uses the UMD build only.
      if (!contentType || name.includes('.es.js')) continue;
      const file = join(dist, name);
      const info = await stat(file);
      assets.set(name, { file, size: info.size, etag: `"${version}-${info.size}-${Math.trunc(info.mtimeMs)}"`, contentType });
      const [dir, base] = name.split('/');
      const worker = dir === WORKER_DIR && base ? WORKER_FILE.exec(base) : null;
      if (worker?.[1]) workers[worker[1]] = name;
    }
    for (const required of [BUNDLE, STYLESHEET]) {
      if (!assets.has(required)) throw new Error(`@graphql-yoga/graphiql ${version} ships no dist/${required}`);
    }
    if (!workers['editor']) throw new Error(`@graphql-yoga/graphiql ${version} ships no Monaco editor worker`);
    return { version, html: buildHtml(settings, version, workers), assets };
  }

  function prepare(): Promise<Prepared> {
    prepared ??= load().catch((error: unknown) => {
      prepared = undefined;
      throw error;
    });
    return prepared;
  }

  async function sendAsset(req: IncomingMessage, res: ServerResponse, url: URL, asset: Asset, version: string): Promise<void> {
    // Versioned URLs (what our page links) never change: cache them for a year.
    const cacheControl = url.searchParams.get('v') === version ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
    const headers: Record<string, string> = {
      'content-type': asset.contentType,
      'cache-control': cacheControl,
      etag: asset.etag,
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (acceptsGzip) {
      // Compressed once, then kept: the bundle is 5 MB raw, about 1.5 MB gzipped.
      asset.gzipped ??= readFile(asset.file).then((raw) => gzip(raw));
      const body = await asset.gzipped;
      res.writeHead(200, { ...headers, 'content-encoding': 'gzip', 'content-length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(asset.size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(asset.file), res);
  }

  return {
    async prepare() {
      await prepare();
    },
    async handle(req, res, url) {
      const { pathname } = url;
      if (pathname !== settings.path && pathname !== `${settings.path}/` && !pathname.startsWith(assetPrefix)) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'method not allowed' }));
        return true;
      }
      const { html, assets, version } = await prepare();
      if (!pathname.startsWith(assetPrefix)) {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        });
        res.end(req.method === 'HEAD' ? undefined : html);
        return true;
      }
      let name: string;
      try {
        name = decodeURIComponent(pathname.slice(assetPrefix.length));
      } catch {
        name = '';
      }
      const asset = assets.get(name);
      if (!asset) {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'not found' }));
        return true;
      }
      await sendAsset(req, res, url, asset, version);
      return true;
    },
  };
}
