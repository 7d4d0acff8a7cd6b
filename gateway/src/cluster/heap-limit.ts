/**
 * The V8 old-space limit given to gateway worker processes. Left to itself V8 sizes the
 * old space from the machine's memory (about 4 GB here) and collects lazily: under load a
 * gateway whose live heap is about 60 MB grew to 300 MB resident. A limit of a few times
 * the live heap makes it collect sooner and keeps the resident set flat (bench:gateway:
 * 302 MB without, 149 MB with 256 MB, same throughput). The flag must be given when the
 * process starts: V8 ignores it later.
 */

const HEAP_FLAG = /^--max-old-space-size(=|$)/;

/** Whether the operator already chose a limit, on the command line or in NODE_OPTIONS. */
export function hasHeapLimit(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((arg) => HEAP_FLAG.test(arg)) || (nodeOptions ?? '').split(/\s+/).some((arg) => HEAP_FLAG.test(arg));
}

/** `execArgv` for a worker: the primary's own, plus the limit unless one is chosen already or `heapMb` is 0. */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined, heapMb: number): string[] {
  if (heapMb <= 0 || hasHeapLimit(execArgv, nodeOptions)) return [...execArgv];
  return [...execArgv, `--max-old-space-size=${heapMb}`];
}
