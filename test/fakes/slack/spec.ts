import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { ROOT_DIR } from '../../../src/app/config.js';

/**
 * Checks of what the bot sends to Slack: each Web API call's parameters against Slack's own OpenAPI file
 * (test/fakes/specs/slack/slack_web_openapi_v2.json: Swagger 2.0, parameters as formData/query, so each method's
 * parameter list is turned into a JSON Schema with its required names, types and no unknown names), and every Block
 * Kit payload against the limits of Slack's Block Kit reference (which the OpenAPI file does not state). The limits
 * here are written from the reference on purpose, not imported from the adapter.
 */
export const SLACK_SPECS_DIR = join(ROOT_DIR, 'test', 'fakes', 'specs', 'slack');

interface Param {
  name: string;
  in: string;
  type?: string;
  required?: boolean;
}
type Op = { parameters?: Param[] };

let spec: { paths: Record<string, Record<string, Op>> } | null = null;
const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
const validators = new Map<string, ValidateFunction>();

function validatorFor(method: string): ValidateFunction | null {
  spec ??= JSON.parse(readFileSync(join(SLACK_SPECS_DIR, 'slack_web_openapi_v2.json'), 'utf8')) as {
    paths: Record<string, Record<string, Op>>;
  };
  const cached = validators.get(method);
  if (cached) return cached;
  const path = spec.paths[`/${method}`];
  if (!path) return null;
  const op = path.post ?? path.get!;
  const params = (op.parameters ?? []).filter((p) => p.name !== 'token' && (p.in === 'formData' || p.in === 'query'));
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: params.filter((p) => p.required).map((p) => p.name),
    properties: Object.fromEntries(
      params.map((p) => [p.name, p.type ? { type: p.type === 'integer' ? ['integer', 'string'] : p.type } : {}]),
    ),
  };
  const v = ajv.compile(schema);
  validators.set(method, v);
  return v;
}

/** Problems Slack would have with this call's parameters ([] = fine). JSON-valued parameters arrive as strings. */
export function methodProblems(method: string, params: Record<string, unknown>): string[] {
  const v = validatorFor(method);
  if (!v) return [`${method} is not a Slack Web API method`];
  // Slack takes the token as a form parameter as well as the Authorization header.
  const { token: _token, ...copy } = structuredClone(params);
  if (v(copy)) return [];
  return (v.errors ?? []).map(
    (e) =>
      `${method}: ${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}

/**
 * Problems of a fake's own answer against the success response Slack's OpenAPI file describes for the method (the
 * fake must answer as Slack does: no field Slack does not send, required fields present, ids in Slack's form).
 */
export function responseProblems(method: string, json: Record<string, unknown>): string[] {
  spec ??= JSON.parse(readFileSync(join(SLACK_SPECS_DIR, 'slack_web_openapi_v2.json'), 'utf8')) as {
    paths: Record<string, Record<string, Op>>;
  };
  const key = `response:${method}`;
  let v = validators.get(key);
  if (!v) {
    const path = spec.paths[`/${method}`];
    const op = (path?.get ?? path?.post) as { responses?: Record<string, { schema?: object }> } | undefined;
    const schema = op?.responses?.['200']?.schema;
    if (!schema) return [`${method}: Slack's description has no success response`];
    v = responseAjv.compile({ ...schema, definitions: (spec as unknown as { definitions: object }).definitions });
    validators.set(key, v);
  }
  if (v(json)) return [];
  return (v.errors ?? []).map(
    (e) =>
      `${method} answer: ${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}
const responseAjv = new Ajv({ strict: false, allErrors: true }).addFormat('uri', (s: string) => URL.canParse(s));

// ---------------------------------------------------------------- Block Kit limits

type O = Record<string, unknown>;
const len = (s: unknown) => (typeof s === 'string' ? [...s].length : 0);

function textProblems(t: unknown, path: string, max: number, plainOnly = false): string[] {
  if (!t || typeof t !== 'object') return [`${path} is missing`];
  const o = t as O;
  const out: string[] = [];
  if (o.type !== 'plain_text' && o.type !== 'mrkdwn') out.push(`${path}.type must be plain_text or mrkdwn`);
  if (plainOnly && o.type !== 'plain_text') out.push(`${path} must be plain_text`);
  if (typeof o.text !== 'string' || o.text.length === 0) out.push(`${path}.text is empty`);
  if (len(o.text) > max) out.push(`${path}.text is ${len(o.text)} characters (max ${max})`);
  return out;
}

function optionProblems(opt: unknown, path: string): string[] {
  const o = opt as O;
  return [...textProblems(o.text, `${path}.text`, 75, true), ...(len(o.value) > 150 ? [`${path}.value longer than 150`] : [])];
}

function elementProblems(el: O, path: string, actionIds: Set<string>): string[] {
  const out: string[] = [];
  if (typeof el.action_id === 'string') {
    if (len(el.action_id) > 255) out.push(`${path}.action_id longer than 255`);
    if (actionIds.has(el.action_id)) out.push(`${path}.action_id "${el.action_id}" is not unique`);
    actionIds.add(el.action_id);
  }
  switch (el.type) {
    case 'button':
      out.push(...textProblems(el.text, `${path}.text`, 75, true));
      if (len(el.value) > 2000) out.push(`${path}.value longer than 2000`);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') out.push(`${path}.style must be primary or danger`);
      break;
    case 'overflow': {
      const opts = (el.options as unknown[]) ?? [];
      if (opts.length < 1 || opts.length > 5) out.push(`${path}.options has ${opts.length} (1–5 allowed)`);
      opts.forEach((o, i) => {
        out.push(...optionProblems(o, `${path}.options[${i}]`));
      });
      break;
    }
    case 'static_select':
    case 'multi_static_select':
    case 'radio_buttons': {
      const opts = (el.options as unknown[]) ?? [];
      const max = el.type === 'radio_buttons' ? 10 : 100;
      if (opts.length < 1 || opts.length > max) out.push(`${path}.options has ${opts.length} (1–${max} allowed)`);
      opts.forEach((o, i) => {
        out.push(...optionProblems(o, `${path}.options[${i}]`));
      });
      if (el.placeholder) out.push(...textProblems(el.placeholder, `${path}.placeholder`, 150, true));
      break;
    }
    case 'plain_text_input':
      if (typeof el.max_length === 'number' && el.max_length > 3000) out.push(`${path}.max_length above 3000`);
      if (len(el.initial_value) > 3000) out.push(`${path}.initial_value longer than 3000`);
      if (el.placeholder) out.push(...textProblems(el.placeholder, `${path}.placeholder`, 150, true));
      break;
    case 'number_input':
      if (typeof el.is_decimal_allowed !== 'boolean') out.push(`${path}.is_decimal_allowed is required`);
      break;
    default:
      out.push(`${path}.type "${String(el.type)}" is not an element this bot should send`);
  }
  return out;
}

/** Problems Slack would have with these blocks, for a message (50 blocks) or a modal (100). */
export function blockProblems(blocks: unknown, surface: 'message' | 'modal'): string[] {
  if (!Array.isArray(blocks)) return ['blocks is not an array'];
  const out: string[] = [];
  const max = surface === 'message' ? 50 : 100;
  if (blocks.length > max) out.push(`${blocks.length} blocks (a ${surface} allows ${max})`);
  const actionIds = new Set<string>();
  const blockIds = new Set<string>();
  blocks.forEach((b: O, i) => {
    const p = `blocks[${i}]`;
    if (typeof b.block_id === 'string') {
      if (len(b.block_id) > 255) out.push(`${p}.block_id longer than 255`);
      if (blockIds.has(b.block_id)) out.push(`${p}.block_id not unique`);
      blockIds.add(b.block_id);
    }
    switch (b.type) {
      case 'header':
        out.push(...textProblems(b.text, `${p}.text`, 150, true));
        break;
      case 'divider':
        break;
      case 'context': {
        const els = (b.elements as O[]) ?? [];
        if (els.length < 1 || els.length > 10) out.push(`${p}.elements has ${els.length} (1–10 allowed)`);
        els.forEach((e, j) => {
          out.push(...textProblems(e, `${p}.elements[${j}]`, 3000));
        });
        break;
      }
      case 'section': {
        if (!b.text && !b.fields) out.push(`${p} needs text or fields`);
        if (b.text) out.push(...textProblems(b.text, `${p}.text`, 3000));
        const fields = (b.fields as O[] | undefined) ?? [];
        if (fields.length > 10) out.push(`${p}.fields has ${fields.length} (max 10)`);
        fields.forEach((f, j) => {
          out.push(...textProblems(f, `${p}.fields[${j}]`, 2000));
        });
        if (b.accessory) out.push(...elementProblems(b.accessory as O, `${p}.accessory`, actionIds));
        break;
      }
      case 'actions': {
        const els = (b.elements as O[]) ?? [];
        if (els.length < 1 || els.length > 25) out.push(`${p}.elements has ${els.length} (1–25 allowed)`);
        els.forEach((e, j) => {
          out.push(...elementProblems(e, `${p}.elements[${j}]`, actionIds));
        });
        break;
      }
      case 'input':
        if (surface !== 'modal') out.push(`${p}: input blocks belong in modals`);
        out.push(...textProblems(b.label, `${p}.label`, 2000, true));
        if (b.hint) out.push(...textProblems(b.hint, `${p}.hint`, 2000, true));
        if (!b.element) out.push(`${p}.element is missing`);
        else out.push(...elementProblems(b.element as O, `${p}.element`, new Set()));
        break;
      default:
        out.push(`${p}.type "${String(b.type)}" is not a block this bot should send`);
    }
  });
  return out;
}

/** Problems with a modal view (views.open). */
export function viewProblems(view: unknown): string[] {
  const v = view as O;
  const out: string[] = [];
  if (v.type !== 'modal') out.push('view.type must be modal');
  out.push(...textProblems(v.title, 'view.title', 24, true));
  if (v.submit) out.push(...textProblems(v.submit, 'view.submit', 24, true));
  if (v.close) out.push(...textProblems(v.close, 'view.close', 24, true));
  if (len(v.private_metadata) > 3000) out.push('view.private_metadata longer than 3000');
  if (len(v.callback_id) > 255) out.push('view.callback_id longer than 255');
  const blocks = (v.blocks as O[]) ?? [];
  if (blocks.some((b) => b.type === 'input') && !v.submit) out.push('a modal with inputs needs a submit button');
  out.push(...blockProblems(blocks, 'modal'));
  return out;
}

/** Problems with a Home tab view (views.publish): type home, at most 100 blocks. */
export function homeViewProblems(view: unknown): string[] {
  const v = view as O;
  if (!v || typeof v !== 'object') return ['view is missing'];
  const out: string[] = [];
  if (v.type !== 'home') out.push('view.type must be home');
  if (len(v.private_metadata) > 3000) out.push('view.private_metadata longer than 3000');
  out.push(...blockProblems((v.blocks as O[]) ?? [], 'modal').filter((p) => !p.includes('input blocks')));
  return out;
}
