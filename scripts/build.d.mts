/** Types of scripts/build.mjs for the TypeScript callers (bench/startup.ts). */
export function isStale(): boolean;
export function build(): number;
