// The core (src/) must never import a chat SDK: adapters/ translate. Also run as a test (test/boundaries.test.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CHAT_SDKS = /from\s+['"](@line\/bot-sdk|@slack\/[^'"]+|discord\.js|@discordjs\/[^'"]+)['"]|require\(\s*['"](@line\/bot-sdk|@slack\/|discord\.js)/;

export function offenders(dir = 'src') {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (name === 'generated') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|mjs|cjs)$/.test(name) && CHAT_SDKS.test(readFileSync(p, 'utf8'))) out.push(p);
    }
  };
  walk(dir);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bad = offenders();
  if (bad.length) {
    console.error(`src/ must not import a chat SDK (put platform code in adapters/):\n  ${bad.join('\n  ')}`);
    process.exit(1);
  }
  console.log('boundaries ok: no chat SDK imported under src/');
}
