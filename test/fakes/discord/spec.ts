import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { ROOT_DIR } from '../../../src/app/config.js';

/**
 * Checks every REST request the bot sends against Discord's own OpenAPI description
 * (test/fakes/specs/discord/openapi.json, OpenAPI 3.1 = JSON Schema 2020-12): the route and method must exist, path
 * parameters must match their schemas (snowflakes), query parameters must be declared, and a JSON body must validate
 * against the operation's request schema. Discord's file leaves objects open; here every object schema that lists its
 * properties is closed (unevaluatedProperties: false), so a misspelt or invented field is reported too.
 */
export const DISCORD_SPECS_DIR = join(ROOT_DIR, 'test', 'fakes', 'specs', 'discord');

type O = Record<string, unknown>;
interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema?: O;
}
interface Operation {
  operationId: string;
  parameters?: Param[];
  requestBody?: { content: Record<string, { schema: O }>; required?: boolean };
}
type PathItem = Record<string, unknown> & { parameters?: Param[] };

interface Route {
  template: string;
  regex: RegExp;
  names: string[];
  item: PathItem;
}

let loaded: { routes: Route[]; ajv: Ajv2020 } | null = null;
const validators = new Map<string, ValidateFunction>();

function close(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) close(n);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as O;
  if (o.type === 'object' || (Array.isArray(o.type) && o.type.includes('object'))) {
    if (o.properties && o.additionalProperties === undefined && o.unevaluatedProperties === undefined) o.unevaluatedProperties = false;
  }
  Object.values(o).forEach(close);
}

function load(): { routes: Route[]; ajv: Ajv2020 } {
  if (loaded) return loaded;
  const doc = JSON.parse(readFileSync(join(DISCORD_SPECS_DIR, 'openapi.json'), 'utf8')) as {
    paths: Record<string, PathItem>;
    components: O;
  };
  close(doc.components);
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'discord', components: doc.components }, 'discord');
  const routes = Object.entries(doc.paths).map(([template, item]) => {
    const names: string[] = [];
    // Literal segments beat parameters (…/messages/@original before …/messages/{message_id}).
    const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n: string) => {
      names.push(n);
      return '([^/]+)';
    });
    return { template, regex: new RegExp(`^${source}$`), names, item };
  });
  routes.sort((a, b) => a.names.length - b.names.length);
  loaded = { routes, ajv };
  return loaded;
}

function rewriteRefs(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"discord#/components/'));
}

function validator(key: string, schema: unknown): ValidateFunction {
  let v = validators.get(key);
  if (!v) {
    v = load().ajv.compile(rewriteRefs(schema) as O);
    validators.set(key, v);
  }
  return v;
}

function errors(v: ValidateFunction, where: string): string[] {
  // anyOf/oneOf report every branch; the shortest paths first are the useful ones.
  const seen = new Set<string>();
  return (v.errors ?? [])
    .map(
      (e) =>
        `${where}${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'unevaluatedProperty' in e.params ? ` (${String(e.params.unevaluatedProperty)})` : ''}`,
    )
    .filter((m) => !seen.has(m) && seen.add(m))
    .slice(0, 8);
}

/** The OpenAPI operation for a request, or null when Discord has no such route. `path` is after /api/v10. */
export function operationFor(
  method: string,
  path: string,
): { template: string; op: Operation; params: Record<string, string>; pathParams: Param[] } | null {
  for (const r of load().routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    const op = r.item[method.toLowerCase()] as Operation | undefined;
    if (!op) continue;
    const params = Object.fromEntries(r.names.map((n, i) => [n, m[i + 1]!]));
    return { template: r.template, op, params, pathParams: r.item.parameters ?? [] };
  }
  return null;
}

/** Problems Discord would have with this request ([] = fine). */
export function requestProblems(method: string, pathWithQuery: string, contentType: string | undefined, body: unknown): string[] {
  const url = new URL(pathWithQuery, 'http://x');
  const pathname = decodeURIComponent(url.pathname);
  const found = operationFor(method, pathname);
  if (!found) return [`${method} ${pathname} is not a Discord API route`];
  const { template, op, params, pathParams } = found;
  const out: string[] = [];
  for (const p of pathParams.filter((x) => x.in === 'path')) {
    const v = validator(`${template}:path:${p.name}`, p.schema ?? {});
    if (!v(params[p.name])) out.push(...errors(v, `${op.operationId} path ${p.name}`));
  }
  const query = (op.parameters ?? []).filter((p) => p.in === 'query');
  for (const [k, value] of url.searchParams) {
    const p = query.find((q) => q.name === k);
    if (!p) {
      out.push(`${op.operationId}: unknown query parameter ${k}`);
      continue;
    }
    const schema = p.schema ?? {};
    const coerced =
      (schema as O).type === 'boolean'
        ? value === 'true'
          ? true
          : value === 'false'
            ? false
            : value
        : (schema as O).type === 'integer'
          ? Number(value)
          : value;
    const v = validator(`${template}:${method}:query:${k}`, schema);
    if (!v(coerced)) out.push(...errors(v, `${op.operationId} query ${k}`));
  }
  if (op.requestBody) {
    if (body === undefined) {
      if (op.requestBody.required) out.push(`${op.operationId}: a JSON body is required`);
    } else {
      if (contentType && !contentType.includes('application/json'))
        out.push(`${op.operationId}: body sent as ${contentType}, expected application/json`);
      const schema = op.requestBody.content['application/json']?.schema;
      if (schema) {
        const v = validator(`${template}:${method}:body`, schema);
        if (!v(body)) out.push(...errors(v, `${op.operationId} body`));
      }
    }
  } else if (body !== undefined) {
    out.push(`${op.operationId}: takes no body`);
  }
  return out;
}

/**
 * Problems with what the fake answers (its own payloads, [] = as Discord describes them): a JSON response checked
 * against the operation's schema for that status, closed like the requests. Keeps the fake honest where the bot reads
 * fields back (a fetched message's attachments).
 */
export function responseProblems(method: string, path: string, status: number, body: unknown): string[] {
  const found = operationFor(method, decodeURIComponent(new URL(path, 'http://x').pathname));
  if (!found) return [`${method} ${path} is not a Discord API route`];
  const responses = (found.op as Operation & { responses?: Record<string, { content?: Record<string, { schema: O }> }> }).responses ?? {};
  const schema = responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) return status >= 400 ? [] : [`${found.op.operationId}: no ${status} response described`];
  const v = validator(`${found.template}:${method}:response:${status}`, schema);
  return v(body) ? [] : errors(v, `${found.op.operationId} response`);
}

/** Problems with one object as a named schema of the file (e.g. MessageAttachmentResponse in a gateway dispatch). */
export function schemaProblems(name: string, value: unknown): string[] {
  const v = validator(`schema:${name}`, { $ref: `#/components/schemas/${name}` });
  return v(value) ? [] : errors(v, name);
}
