import { afterEach } from 'vitest';

interface Closable {
  close(): Promise<void> | void;
}

/**
 * For a test file: registers an afterEach that closes everything handed to the returned
 * function during the test (fake subgraphs, transports, metrics), so no socket or timer
 * outlives its test. Call it at the top level of the file.
 */
export function closedAfterEachTest(): <T extends Closable>(resource: T) => T {
  const opened: Closable[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((resource) => resource.close()));
  });
  return (resource) => {
    opened.push(resource);
    return resource;
  };
}
