// `npm run check:deps`: lists the direct dependencies that are outdated (npm outdated) or deprecated on the registry
// (npm view <name>@<installed version> deprecated). Information for the team, never a failure: it exits 0 even when
// the registry cannot be reached (CI runs it before the tests and only prints what it finds).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';

const npm = (args) => {
  try {
    return execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
  } catch (err) {
    return err.stdout ?? ''; // npm outdated exits 1 when something is outdated; its JSON is still on stdout
  }
};

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const direct = { ...pkg.dependencies, ...pkg.devDependencies };
let outdated = {};
try {
  outdated = JSON.parse(npm(['outdated', '--json']) || '{}');
} catch {
  console.log('check:deps: could not read `npm outdated` (registry unreachable?)');
}
const view = async (spec) => {
  try {
    return (await promisify(execFile)('npm', ['view', spec, 'deprecated'], { encoding: 'utf8', timeout: 60_000 })).stdout.trim();
  } catch {
    return '';
  }
};
const checked = await Promise.all(
  Object.keys(direct)
    .sort()
    .map(async (name) => {
      let installed;
      try {
        installed = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version;
      } catch {
        return { name, installed: '(not installed)', wanted: '', latest: '', deprecated: '' };
      }
      const o = outdated[name];
      return {
        name,
        installed,
        wanted: o?.wanted ?? '',
        latest: o?.latest ?? '',
        deprecated: await view(`${name}@${installed}`),
        outdated: !!o,
      };
    }),
);
const rows = checked.filter((r) => r.outdated || r.deprecated || r.installed.startsWith('('));
if (rows.length === 0) {
  console.log(`check:deps: all ${Object.keys(direct).length} direct dependencies are current and none is deprecated`);
} else {
  console.log(`check:deps: ${rows.length} of ${Object.keys(direct).length} direct dependencies to look at (information, not a failure)`);
  console.log(`${'package'.padEnd(34)} ${'installed'.padEnd(10)} ${'wanted'.padEnd(10)} ${'latest'.padEnd(10)} deprecated`);
  for (const r of rows)
    console.log(`${r.name.padEnd(34)} ${r.installed.padEnd(10)} ${r.wanted.padEnd(10)} ${r.latest.padEnd(10)} ${r.deprecated}`);
}
