// Bench only (bench/startup.ts starts the product with `--import` of this file; the product never loads it): on
// SIGUSR2 writes the process's own view of its memory to the file named by MEMORY_PROBE_OUT, as JSON — V8's heap
// (used / total), `external` (memory V8 objects hold outside its heap: WebAssembly memories, ArrayBuffers, …) and the
// ArrayBuffers alone. Plain JavaScript so that Node loads it without a compiler.
import { writeFileSync } from 'node:fs';

process.on('SIGUSR2', () => {
  const out = process.env.MEMORY_PROBE_OUT;
  if (out) writeFileSync(out, JSON.stringify(process.memoryUsage()));
});
