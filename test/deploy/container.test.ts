import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../src/app/config.js';

/**
 * No container engine runs on the team's machines, so the image and the compose file are checked by parsing them
 * (dockerfile-ast, the parser behind the VS Code Docker language server; yaml for compose) against the facts the
 * product depends on. docs/deployment.md says what was and was not run.
 */
const dockerfileText = readFileSync(join(ROOT_DIR, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const runtimeStart = instructions.indexOf(froms[froms.length - 1]!);
const runtime = instructions.slice(runtimeStart);
const args = (keyword: string, list = runtime) => list.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');

describe('Dockerfile', () => {
  it('is multi-stage on Node.js 24 slim images', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) {
      expect(f.getImageName()).toBe('node');
      expect(f.getImageTag()).toMatch(/^24(\.|-|$)/);
    }
  });

  it('runs as a non-root user with a health check on /readyz and stops on SIGTERM', () => {
    const users = args('USER');
    expect(users.length).toBe(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    // USER comes before CMD so the product never runs as root
    const kw = runtime.map((i) => i.getKeyword());
    expect(kw.indexOf('USER')).toBeLessThan(kw.lastIndexOf('CMD'));
    expect(args('HEALTHCHECK').join(' ')).toContain('/readyz');
    expect(args('STOPSIGNAL')).toEqual(['SIGTERM']);
  });

  it('starts as `npm start` does: the same launcher, Node flags and environment settings', () => {
    // scripts/start.mjs runs the bundled start-up path (dist/bundle) and falls back to the compiled modules (dist/src)
    const npmStart = (
      JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as { scripts: { start: string } }
    ).scripts.start.split(/\s+/);
    const cmd = JSON.parse(args('CMD')[0]!) as string[];
    expect(cmd).toEqual(npmStart.filter((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w)));
    expect(cmd[cmd.length - 1]).toBe('scripts/start.mjs');
    const launcher = readFileSync(join(ROOT_DIR, 'scripts', 'start.mjs'), 'utf8');
    expect(launcher).toContain("'dist', 'bundle', 'main.js'");
    expect(launcher).toContain("'dist', 'src', 'app', 'main.js'");
    // the settings npm start puts before `node` (e.g. MALLOC_TRIM_THRESHOLD_) are in the image's environment
    const env = args('ENV').join(' ');
    for (const setting of npmStart.filter((w) => /^[A-Z_][A-Z0-9_]*=/.test(w))) expect(env).toMatch(new RegExp(`(^|\\s)${setting}(\\s|$)`));
    // the launcher and every script it imports are in the image
    const copied = runtime
      .filter((i): i is Copy => i instanceof Copy && !i.getFromFlag())
      .flatMap((c) => (c.getArgumentsContent() ?? '').split(/\s+/).slice(0, -1));
    const imports = [...launcher.matchAll(/from '\.\/([^']+)'/g)].map((m) => `scripts/${m[1]}`);
    expect(imports.length).toBeGreaterThan(0);
    for (const file of ['scripts/start.mjs', ...imports]) expect(copied, file).toContain(file);
  });

  it('copies what the product reads at run time, from paths that exist in the repository', () => {
    // Every COPY from the build context (all stages) names paths that exist; --from copies come from an earlier stage.
    const copies = instructions.filter((i): i is Copy => i instanceof Copy);
    for (const c of copies.filter((x) => !x.getFromFlag())) {
      // sources are relative to the build context (the repository); the last word is the destination in the image
      for (const src of (c.getArgumentsContent() ?? '').split(/\s+/).slice(0, -1)) expect(existsSync(join(ROOT_DIR, src)), src).toBe(true);
    }
    const runtimeCopies = copies.filter((c) => runtime.includes(c));
    const copied = runtimeCopies.map((c) => c.getArgumentsContent()).join(' ');
    for (const needed of ['package.json', 'playbooks', 'prisma/migrations', 'adapters/local/public']) expect(copied).toContain(needed);
    expect(runtimeCopies.some((c) => c.getFromFlag()?.getValue() === 'build' && c.getArgumentsContent()?.startsWith('/app/dist'))).toBe(
      true,
    );
  });

  it('keeps data and keys on separate volumes', () => {
    const volumes = args('VOLUME').join(' ');
    expect(volumes).toMatch(/data/);
    expect(volumes).toMatch(/keys/);
    expect(args('ENV').join(' ')).toMatch(/DATA_DIR=\S*data/);
  });

  it('.dockerignore keeps secrets, local data and build output out of the build context', () => {
    const ignored = readFileSync(join(ROOT_DIR, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['node_modules', 'dist', 'data', '.env', '.git']) expect(ignored).toContain(p);
  });
});

describe('compose.yaml', () => {
  const compose = parse(readFileSync(join(ROOT_DIR, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        build?: string;
        environment?: Record<string, string>;
        depends_on?: Record<string, { condition: string }>;
        ports?: string[];
        healthcheck?: unknown;
        volumes?: string[];
      }
    >;
  };
  const apps = Object.entries(compose.services).filter(([, s]) => s.build);

  it('runs PostgreSQL 16 with a health check', () => {
    const db = compose.services.db!;
    expect(db.image).toMatch(/^postgres:16(\.|-|$)/);
    expect(db.healthcheck).toBeDefined();
  });

  it('runs two instances of the product on that one database, started once it is healthy', () => {
    expect(apps.length).toBe(2);
    for (const [, app] of apps) {
      expect(app.build).toBe('.');
      expect(app.environment?.DATABASE_URL).toMatch(/^postgresql:\/\/[^@]+@db:5432\//);
      expect(app.depends_on?.db?.condition).toBe('service_healthy');
    }
    const ports = apps.map(([, a]) => a.ports?.[0]);
    expect(new Set(ports).size).toBe(2);
  });

  it('holds no secret: passwords and keys come from the environment and are required', () => {
    const text = readFileSync(join(ROOT_DIR, 'compose.yaml'), 'utf8');
    expect(apps[0]![1].environment?.DATA_ENCRYPTION_KEYS).toMatch(/^\$\{DATA_ENCRYPTION_KEYS:\?/);
    expect(compose.services.db!.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(text).not.toMatch(/k1:[A-Za-z0-9+/]{20,}/);
  });
});
