import { relative } from 'node:path';
import type { PlaybookChecks } from './checks.js';
import type { Faults } from './faults.js';
import type { ChangeDef, ChecklistItemDef, FactDef, PlaybookFile } from './schema.js';
import type { ChecklistItem, DefaultValue } from './types.js';
import { DERIVED_FACTS, INTAKE_KEYS, type FieldType } from './vocabulary.js';

export interface Entry {
  item: ChecklistItem;
  file: string;
  path: string;
}

/** A playbook resolved along its extends chain: its checklist entries, facts and defaults. */
export interface Built {
  doc: PlaybookFile;
  file: string;
  entries: Entry[];
  facts: FactDef[];
  defaults: Record<string, DefaultValue>;
}

/**
 * Resolves every playbook along its `extends` chain (a variant's changes applied to its parent's checklist), checking
 * each file's own items and defaults. A playbook that is faulty, or extends a faulty or unknown one, resolves to null:
 * its faults are recorded, and those of the playbooks extending it are not echoed.
 */
export function resolvePlaybooks(
  dir: string,
  docs: ReadonlyMap<string, { doc: PlaybookFile; file: string }>,
  /** Playbooks whose file has faults of its own: others' references to them are not faults too. */
  broken: ReadonlySet<string>,
  checks: PlaybookChecks,
  faults: Faults,
): Map<string, Built | null> {
  const built = new Map<string, Built | null>();
  const resolving = new Set<string>();

  const build = (id: string, via: string[]): Built | null => {
    if (built.has(id)) return built.get(id)!;
    const source = docs.get(id);
    if (!source) return null;
    const { doc, file } = source;
    if (resolving.has(id)) {
      faults.add(file, 'extends', `circular extends: ${[...via, id].join(' → ')}`);
      return null;
    }
    resolving.add(id);

    let parent: Built | null = null;
    if (doc.extends !== undefined) {
      if (!docs.has(doc.extends)) {
        if (!broken.has(doc.extends))
          faults.add(file, 'extends', `unknown playbook "${doc.extends}"; known playbooks: ${[...docs.keys()].join(', ')}`);
        resolving.delete(id);
        built.set(id, null);
        return null;
      }
      parent = build(doc.extends, [...via, id]);
      if (!parent) {
        resolving.delete(id);
        built.set(id, null);
        return null;
      }
    }

    const facts = [...(parent?.facts ?? [])];
    doc.facts.forEach((f, i) => {
      if (
        (INTAKE_KEYS as readonly string[]).includes(f.key) ||
        (DERIVED_FACTS as readonly string[]).includes(f.key) ||
        facts.some((x) => x.key === f.key)
      ) {
        faults.add(
          file,
          `facts.${i}.key`,
          `fact "${f.key}" is already defined (by the intake, derived from categories, or by an extended playbook)`,
        );
      } else {
        facts.push(f);
      }
    });
    const factKinds = new Map<string, FieldType>(checks.intakeTypes);
    for (const d of DERIVED_FACTS) factKinds.set(d, 'boolean');
    for (const f of facts) factKinds.set(f.key, 'boolean');

    let entries: Entry[];
    if (!parent) {
      entries = (doc.checklist ?? []).map((item, i) => ({ item: { ...item, source: id }, file, path: `checklist.${i}` }));
    } else {
      entries = applyChanges(parent, doc, file, faults);
    }
    for (const e of entries) if (e.file === file) checks.item(file, e.path, e.item, factKinds);

    const byKey = new Map<string, Entry[]>();
    for (const e of entries) byKey.set(e.item.key, [...(byKey.get(e.item.key) ?? []), e]);
    for (const [key, list] of byKey) {
      if (list.length < 2) continue;
      for (const e of list.filter((x) => x.file === file)) {
        const others = list.filter((x) => x !== e).map((x) => `${relative(dir, x.file)} ${x.path}`);
        faults.add(
          file,
          `${e.path}.key`,
          `checklist key "${key}" is used twice in playbook "${id}" (also at ${others.join(', ')}); keys must be unique`,
        );
      }
    }

    const declared = new Set(facts.map((f) => f.key));
    checks.defaults(file, doc.defaults, declared);
    resolving.delete(id);
    // Playbooks extending a faulty one are not checked: their faults would only echo their parent's.
    if (faults.has(file)) {
      built.set(id, null);
      return null;
    }
    const result: Built = { doc, file, entries, facts, defaults: { ...(parent?.defaults ?? {}), ...doc.defaults } };
    built.set(id, result);
    return result;
  };

  for (const id of docs.keys()) build(id, []);
  return built;
}

function applyChanges(parent: Built, doc: PlaybookFile, file: string, faults: Faults): Entry[] {
  const entries = parent.entries.map((e) => ({ ...e }));
  const removed: { clock: string; path: string; key: string }[] = [];
  const fresh = (item: ChecklistItemDef, path: string): Entry => ({ item: { ...item, source: doc.id }, file, path });

  (doc.changes ?? []).forEach((change: ChangeDef, i) => {
    const op = (['insertBefore', 'insertAfter', 'replace', 'omit', 'override'] as const).find((o) => change[o] !== undefined)!;
    const anchor = change[op]!;
    const path = `changes.${i}`;
    const at = entries.findIndex((e) => e.item.key === anchor);
    if (at < 0) {
      faults.add(
        file,
        `${path}.${op}`,
        `no item "${anchor}" in the checklist of "${doc.extends}" (after the changes above it); keys: ${entries.map((e) => e.item.key).join(', ')}`,
      );
      return;
    }
    const target = entries[at]!;
    switch (op) {
      case 'insertBefore':
      case 'insertAfter': {
        const added = change.items!.map((item, j) => fresh(item, `${path}.items.${j}`));
        entries.splice(op === 'insertBefore' ? at : at + 1, 0, ...added);
        break;
      }
      case 'replace':
        if (target.item.completesClock) removed.push({ clock: target.item.completesClock, path: `${path}.replace`, key: anchor });
        entries[at] = fresh(change.item!, `${path}.item`);
        break;
      case 'omit':
        if (target.item.completesClock) removed.push({ clock: target.item.completesClock, path: `${path}.omit`, key: anchor });
        entries.splice(at, 1);
        break;
      case 'override': {
        const { title, publicText, detail, requiresEvidence, ownerRole } = change;
        entries[at] = {
          ...target,
          item: {
            ...target.item,
            ...(title !== undefined ? { title } : {}),
            ...(publicText !== undefined ? { publicText } : {}),
            ...(detail !== undefined ? { detail } : {}),
            ...(requiresEvidence !== undefined ? { requiresEvidence } : {}),
            ...(ownerRole !== undefined ? { ownerRole } : {}),
            source: doc.id,
          },
        };
        break;
      }
    }
  });

  for (const r of removed) {
    if (!entries.some((e) => e.item.completesClock === r.clock)) {
      faults.add(
        file,
        r.path,
        `removing "${r.key}" leaves no item that completes clock "${r.clock}"; keep an item with completesClock: ${r.clock}`,
      );
    }
  }
  return entries;
}
