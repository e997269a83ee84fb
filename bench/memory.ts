// Where an idle process's memory goes (bench/startup.ts): Linux /proc/<pid>/smaps sorted into the parts that matter
// here, and the process's own view (bench/memory-probe.mjs). docs/performance.md explains the parts.
import { existsSync, readFileSync, rmSync } from 'node:fs';

export interface MemoryBreakdown {
  /** resident set of the process, MB (smaps Rss summed) */
  rss: number;
  /** pages of the node binary and shared libraries in memory (code, read-only data), MB */
  files: number;
  /** the main glibc malloc heap ([heap]) plus the threads' malloc arenas (64 MiB-aligned anonymous mappings), MB */
  malloc: number;
  /** PGlite's WebAssembly memory: the anonymous read-write (not executable) mapping of ≥ 100 MiB (PGlite's is 128 MiB), resident part, MB */
  wasm: number;
  /** the rest of the anonymous memory: V8's heap pages, compiled code, other mmap'd blocks, MB */
  otherAnon: number;
  heapUsed?: number;
  heapTotal?: number;
  external?: number;
  arrayBuffers?: number;
}

const MB = 1024 * 1024;

function smaps(pid: number): Omit<MemoryBreakdown, 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers'> {
  const parts = { rss: 0, files: 0, malloc: 0, wasm: 0, otherAnon: 0 };
  let part: keyof typeof parts = 'otherAnon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const start = BigInt(`0x${head[1]}`);
      const size = Number(BigInt(`0x${head[2]}`) - start);
      const name = head[4]!;
      const writableData = head[3]!.startsWith('rw-');
      if (name === '[heap]') part = 'malloc';
      else if (name.startsWith('/')) part = 'files';
      else if (name === '' && writableData && size >= 100 * MB) part = 'wasm';
      else if (name === '' && start % BigInt(64 * MB) === 0n && size <= 64 * MB) part = 'malloc';
      else part = 'otherAnon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      const kb = Number(rss[1]) / 1024;
      parts[part] += kb;
      parts.rss += kb;
    }
  }
  return parts;
}

/** Asks the probe (if the process loaded it) for its memoryUsage(), then reads smaps. */
export async function memoryBreakdown(pid: number, probeFile: string): Promise<MemoryBreakdown> {
  rmSync(probeFile, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 50 && !existsSync(probeFile); i += 1) await new Promise((r) => setTimeout(r, 20));
  let own: Partial<MemoryBreakdown> = {};
  try {
    const mu = JSON.parse(readFileSync(probeFile, 'utf8')) as NodeJS.MemoryUsage;
    own = { heapUsed: mu.heapUsed / MB, heapTotal: mu.heapTotal / MB, external: mu.external / MB, arrayBuffers: mu.arrayBuffers / MB };
  } catch {
    /* no probe answer: smaps only */
  }
  return { ...smaps(pid), ...own };
}
