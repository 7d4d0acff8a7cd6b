// Loaded into a process under test by a memory test, with
//   NODE_OPTIONS="--expose-gc --import <this file's URL>"
// so that the test can ask for a full garbage collection (SIGUSR2) just before it samples
// the process's memory: a sample then counts what is alive, not what V8 has yet to collect.
// Plain JavaScript: it is loaded before any TypeScript loader. Nothing else is changed.
if (typeof globalThis.gc !== 'function') throw new Error('gc-on-signal.mjs needs node --expose-gc');
const collect = globalThis.gc;
process.on('SIGUSR2', () => collect());
