import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { ROOT_DIR } from '../../../src/app/config.js';

/**
 * Validators built from LINE's own OpenAPI files (test/fakes/specs/line). OpenAPI's `discriminator` (a base schema
 * naming its subtypes, each of which extends the base with allOf) is not JSON Schema, so it is rewritten: the base
 * becomes a dispatcher that checks the subtype named by the property (an unknown type fails), and the subtypes extend
 * a copy of the base without the discriminator. Everything else is the spec as published.
 */
export const LINE_SPECS_DIR = join(ROOT_DIR, 'test', 'fakes', 'specs', 'line');

type Schema = Record<string, unknown>;
const REF = '#/components/schemas/';

function rewriteDiscriminators(schemas: Record<string, Schema>): Record<string, Schema> {
  const out: Record<string, Schema> = structuredClone(schemas);
  for (const [name, schema] of Object.entries(schemas)) {
    const d = schema.discriminator as { propertyName: string; mapping?: Record<string, string> } | undefined;
    if (!d?.mapping) continue;
    const base = `${name}__base`;
    const { discriminator: _drop, ...rest } = schema;
    out[base] = rest;
    const prop = d.propertyName;
    out[name] = {
      allOf: [
        { $ref: `${REF}${base}` },
        { required: [prop], properties: { [prop]: { enum: Object.keys(d.mapping) } } },
        ...Object.entries(d.mapping).map(([value, ref]) => ({
          if: { properties: { [prop]: { const: value } }, required: [prop] },
          // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable.
          then: { $ref: ref },
        })),
      ],
    };
    for (const ref of Object.values(d.mapping)) {
      const sub = out[ref.slice(REF.length)];
      const allOf = sub?.allOf as Schema[] | undefined;
      if (allOf) sub!.allOf = allOf.map((s) => (s.$ref === `${REF}${name}` ? { $ref: `${REF}${base}` } : s));
    }
  }
  return out;
}

function load(file: string, id: string): Ajv {
  const doc = parse(readFileSync(join(LINE_SPECS_DIR, file), 'utf8')) as { components: { schemas: Record<string, Schema> } };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  ajv.addSchema({ $id: id, components: { schemas: rewriteDiscriminators(doc.components.schemas) } });
  return ajv;
}

let messaging: Ajv | null = null;
let webhookAjv: Ajv | null = null;
const MESSAGING_ID = 'https://line.example/messaging-api.json';
const WEBHOOK_ID = 'https://line.example/webhook.json';

export function messagingSchema(name: string): ValidateFunction {
  messaging ??= load('messaging-api.yml', MESSAGING_ID);
  const v = messaging.getSchema(`${MESSAGING_ID}${REF}${name}`);
  if (!v) throw new Error(`No schema ${name} in messaging-api.yml`);
  return v;
}

type PathItem = Record<string, { operationId?: string; servers?: { url: string }[] }>;
let messagingDoc: { servers?: { url: string }[]; paths: Record<string, PathItem> } | null = null;

/**
 * One operation of messaging-api.yml by method and path template (as written there): its id and the hosts that serve
 * it (the operation's own `servers`, else the document's). Throws when the description has no such operation.
 */
export function messagingOperation(method: string, template: string): { operationId: string; servers: string[] } {
  messagingDoc ??= parse(readFileSync(join(LINE_SPECS_DIR, 'messaging-api.yml'), 'utf8')) as NonNullable<typeof messagingDoc>;
  const op = messagingDoc.paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`No operation ${method} ${template} in messaging-api.yml`);
  return { operationId: op.operationId ?? `${method} ${template}`, servers: (op.servers ?? messagingDoc.servers ?? []).map((s) => s.url) };
}

export function webhookSchema(name: string): ValidateFunction {
  webhookAjv ??= load('webhook.yml', WEBHOOK_ID);
  const v = webhookAjv.getSchema(`${WEBHOOK_ID}${REF}${name}`);
  if (!v) throw new Error(`No schema ${name} in webhook.yml`);
  return v;
}

export function problems(v: ValidateFunction): string[] {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

/**
 * Limits from the LINE Messaging API reference that the OpenAPI file does not state (sizes, label lengths, counts).
 * Returns the problems, empty when LINE would accept the messages.
 */
export function documentedLimitProblems(messages: unknown[]): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string, inQuickReply: boolean) => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => {
        walk(n, `${path}/${i}`, inQuickReply);
      });
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const label = o.label;
    if (typeof label === 'string' && 'type' in o && ['postback', 'message', 'uri', 'datetimepicker'].includes(String(o.type))) {
      const max = inQuickReply ? 20 : 40;
      if ([...label].length > max) out.push(`${path}/label longer than ${max} characters`);
      if (label.length === 0) out.push(`${path}/label is empty`);
    }
    if (o.type === 'message' && typeof o.text === 'string' && [...o.text].length > 300)
      out.push(`${path}/text (message action) longer than 300`);
    if (o.type === 'postback' && typeof o.displayText === 'string' && [...o.displayText].length > 300)
      out.push(`${path}/displayText longer than 300`);
    if (o.type === 'text' && 'text' in o && typeof o.text === 'string' && o.text.length === 0) out.push(`${path}/text is empty`);
    if (o.type === 'carousel' && Array.isArray(o.contents)) {
      if (o.contents.length > 12) out.push(`${path} carousel has ${o.contents.length} bubbles (max 12)`);
      if (Buffer.byteLength(JSON.stringify(o)) > 50_000) out.push(`${path} carousel larger than 50 KB`);
    }
    if (o.type === 'bubble' && Buffer.byteLength(JSON.stringify(o)) > 30_000) out.push(`${path} bubble larger than 30 KB`);
    for (const [k, v] of Object.entries(o)) walk(v, `${path}/${k}`, inQuickReply || k === 'quickReply');
  };
  messages.forEach((m, i) => {
    const msg = m as Record<string, unknown>;
    if (msg.type === 'text' && typeof msg.text === 'string' && [...msg.text].length > 5000)
      out.push(`/messages/${i}/text longer than 5000`);
    if (msg.type === 'flex' && typeof msg.altText === 'string' && [...msg.altText].length > 1500)
      out.push(`/messages/${i}/altText longer than 1500`);
    if (msg.type === 'textV2' && typeof msg.text === 'string') out.push(...textV2Problems(msg, `/messages/${i}`));
    walk(m, `/messages/${i}`, false);
  });
  return out;
}

/** Every problem LINE would reject a reply or push body for ([] = valid). */
export function validateSend(kind: 'ReplyMessageRequest' | 'PushMessageRequest', body: unknown): string[] {
  const v = messagingSchema(kind);
  const out = v(body) ? [] : problems(v);
  const messages = (body as { messages?: unknown[] })?.messages;
  if (Array.isArray(messages)) out.push(...documentedLimitProblems(messages));
  return out;
}

/**
 * textV2 syntax: `{key}` placeholders (key: letters, digits, underscore, at most 20) each defined in `substitution`,
 * literal braces doubled (`{{`, `}}`), every substitution used, at most 100 of them.
 */
export function textV2Problems(msg: Record<string, unknown>, path: string): string[] {
  const out: string[] = [];
  const text = msg.text as string;
  const subs = (msg.substitution ?? {}) as Record<string, unknown>;
  const used = new Set<string>();
  for (let i = 0; i < text.length; ) {
    if (text.startsWith('{{', i) || text.startsWith('}}', i)) {
      i += 2;
      continue;
    }
    if (text[i] === '}') {
      out.push(`${path}/text has an unescaped "}" at ${i}`);
      i += 1;
      continue;
    }
    if (text[i] === '{') {
      const m = /^\{([A-Za-z0-9_]{1,20})\}/.exec(text.slice(i));
      if (!m) out.push(`${path}/text has an unescaped "{" at ${i}`);
      else {
        if (!(m[1]! in subs)) out.push(`${path}/text placeholder {${m[1]}} has no substitution`);
        used.add(m[1]!);
      }
      i += m ? m[0].length : 1;
      continue;
    }
    i += 1;
  }
  for (const k of Object.keys(subs)) if (!used.has(k)) out.push(`${path}/substitution/${k} is not used in text`);
  if (Object.keys(subs).length > 100) out.push(`${path}/substitution has more than 100 entries`);
  if ([...text].length > 5000) out.push(`${path}/text longer than 5000`);
  return out;
}
