import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';

export interface SupergraphFileWatchOptions {
  /** The supergraph file (CIG_GATEWAY_SUPERGRAPH). */
  readonly path: string;
  /**
   * How often the file's stat is compared with the last one read. Polling is the part that
   * always works (network and container file systems drop inotify events); fs.watch only
   * makes a change show sooner.
   */
  readonly intervalMs: number;
  /** Called with the file's text after each change; a rejection is logged, never thrown. */
  readonly onChange: (sdl: string) => void | Promise<void>;
  readonly logger: Logger;
}

export interface SupergraphFileWatch {
  /** Checks the file now (what the timer and fs.watch do); resolves when any reload is done. */
  check(): Promise<void>;
  close(): void;
}

/** How long after a file-system event the file is read, so a write in progress can finish. */
const SETTLE_MS = 50;

/** What identifies one version of the file without reading it. */
function signatureOf(stats: { mtimeMs: number; size: number; ino: number }): string {
  return `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
}

/**
 * Watches the supergraph file and hands its text to `onChange` whenever it changes. The
 * directory is watched rather than the file, because `npm run generate` and deploy tools
 * replace the file (write + rename), which ends a watch on the old inode. A file that is
 * missing or half written is simply read again at its next change: the stat is taken
 * before the read, so a write that lands during the read changes the signature again.
 */
export async function watchSupergraphFile(options: SupergraphFileWatchOptions): Promise<SupergraphFileWatch> {
  const { path, logger } = options;
  let seen = await stat(path).then(signatureOf, () => 'missing');
  let closed = false;
  let pending: Promise<void> | undefined;
  let again = false;

  async function checkOnce(): Promise<void> {
    let current: string;
    try {
      current = signatureOf(await stat(path));
    } catch {
      // Between an unlink and a rename, or deleted by mistake: keep serving the last one.
      seen = 'missing';
      return;
    }
    if (current === seen || closed) return;
    seen = current;
    let sdl: string;
    try {
      sdl = await readFile(path, 'utf8');
    } catch (error) {
      logger.warn({ err: error, supergraph: path }, 'could not read the changed supergraph file');
      return;
    }
    try {
      await options.onChange(sdl);
    } catch (error) {
      logger.error({ err: error, supergraph: path }, 'supergraph reload failed');
    }
  }

  // One check at a time; a change noticed during a check runs one more afterwards.
  function check(): Promise<void> {
    if (closed) return Promise.resolve();
    if (pending) {
      again = true;
      return pending;
    }
    pending = (async () => {
      do {
        again = false;
        await checkOnce();
      } while (again && !closed);
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  const timer = options.intervalMs > 0 ? setInterval(() => void check(), options.intervalMs) : undefined;
  timer?.unref();
  let watcher: FSWatcher | undefined;
  let settle: NodeJS.Timeout | undefined;
  try {
    const name = basename(path);
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      // Some platforms give no file name: check anyway, it costs one stat. The first event
      // of an in-place write comes with the truncation: let the write finish first.
      if (filename !== null && filename !== name) return;
      clearTimeout(settle);
      settle = setTimeout(() => void check(), SETTLE_MS);
      settle.unref();
    });
    watcher.on('error', (error) => {
      logger.warn({ err: error, supergraph: path }, 'supergraph directory watch failed; polling only');
      watcher?.close();
    });
  } catch (error) {
    logger.warn({ err: error, supergraph: path }, 'cannot watch the supergraph directory; polling only');
  }

  return {
    check,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      clearTimeout(settle);
      watcher?.close();
    },
  };
}
