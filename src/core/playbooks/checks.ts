import type { Condition } from './conditions.js';
import type { Faults } from './faults.js';
import type { ChecklistItemDef } from './schema.js';
import type { DefaultValue } from './types.js';
import { INTAKE_KEYS, REPORT_KINDS, REPORT_SECTIONS_OF, type FieldType } from './vocabulary.js';

/**
 * The checks of what a playbook file says against the other files: clock ids, report sections, conditions on facts
 * and intake options, defaults. Each fault is recorded with its file and field; none throws.
 */
export class PlaybookChecks {
  constructor(
    private readonly faults: Faults,
    /** The clock ids of clocks.yaml (undefined when that file is faulty: its own faults are reported). */
    private readonly clocks: { ids: Set<string>; from: string } | undefined,
    /** The type of each intake field. */
    readonly intakeTypes: Map<string, FieldType>,
    /** The options of the intake's select fields (and the category keys). */
    private readonly intakeOptions: Map<string, Set<string>>,
  ) {}

  /** One checklist item a playbook file defines: its clocks, its condition (on these facts) and its reports. */
  item(file: string, path: string, item: ChecklistItemDef, facts: Map<string, FieldType>): void {
    for (const field of ['clock', 'completesClock'] as const) {
      const id = item[field];
      if (id !== undefined && this.clocks && !this.clocks.ids.has(id)) {
        this.faults.add(
          file,
          `${path}.${field}`,
          `unknown clock id "${id}" (item "${item.key}"); known clock ids from ${this.clocks.from}: ${[...this.clocks.ids].join(', ')}`,
        );
      }
    }
    if (item.when) this.condition(file, `${path}.when`, item.when, facts);
    this.reports(file, path, item);
  }

  /** The report sections an item feeds exist in that report, and what ticking it asks fits what it feeds. */
  private reports(file: string, path: string, item: ChecklistItemDef): void {
    const fed = new Set<string>();
    for (const kind of REPORT_KINDS) {
      for (const section of item.reports?.[kind] ?? []) {
        fed.add(section);
        if (!REPORT_SECTIONS_OF[kind].includes(section)) {
          this.faults.add(
            file,
            `${path}.reports.${kind}`,
            `the ${kind} report has no "${section}" section (it has ${REPORT_SECTIONS_OF[kind].join(', ')})`,
          );
        }
      }
    }
    const asks = new Set(item.asks ?? []);
    if (fed.has('improvement') && !asks.has('plannedDate')) {
      this.faults.add(
        file,
        `${path}.asks`,
        `"${item.key}" feeds an improvement section: add "asks: [plannedDate]" so the reports print its scheduled completion date`,
      );
    }
    if (asks.has('plannedDate') && !fed.has('improvement') && !fed.has('recovery')) {
      this.faults.add(file, `${path}.asks`, `"${item.key}" asks a planned date but feeds no improvement or recovery section of a report`);
    }
    if (asks.has('delayReason') && !item.completesClock) {
      this.faults.add(
        file,
        `${path}.asks`,
        `"${item.key}" asks a delay reason but completes no clock (the reason is asked when that clock is overdue)`,
      );
    }
  }

  private condition(file: string, path: string, c: Condition, facts: Map<string, FieldType>): void {
    c.any?.forEach((x, i) => {
      this.condition(file, `${path}.any.${i}`, x, facts);
    });
    c.all?.forEach((x, i) => {
      this.condition(file, `${path}.all.${i}`, x, facts);
    });
    if (c.fact === undefined) return;
    const kind = facts.get(c.fact);
    if (kind === undefined) {
      this.faults.add(
        file,
        `${path}.fact`,
        `unknown fact "${c.fact}"; known facts: ${[...facts.keys()].join(', ')} (declare new ones under "facts")`,
      );
      return;
    }
    const options = this.intakeOptions.get(c.fact);
    if (kind === 'multiselect') {
      if (c.includes === undefined) this.faults.add(file, `${path}.fact`, `"${c.fact}" holds several answers: test it with "includes"`);
      else if (options && !options.has(c.includes))
        this.faults.add(file, `${path}.includes`, `"${c.includes}" is not an option of "${c.fact}"`);
      return;
    }
    if (c.includes !== undefined) {
      this.faults.add(file, `${path}.includes`, `"includes" only applies to multi-select facts; "${c.fact}" is ${kind}`);
      return;
    }
    const expected =
      kind === 'boolean' ? 'boolean' : kind === 'number' || kind === 'headcount' ? 'number' : kind === 'select' ? 'string' : undefined;
    if (expected === undefined) {
      this.faults.add(file, `${path}.fact`, `"${c.fact}" is free ${kind} and cannot be tested; use a yes/no fact instead`);
    } else if (typeof c.equals !== expected) {
      this.faults.add(file, `${path}.equals`, `"${c.fact}" is ${kind}: "equals" must be a ${expected}`);
    } else if (kind === 'select' && options && !options.has(c.equals as string)) {
      this.faults.add(file, `${path}.equals`, `"${String(c.equals)}" is not an option of "${c.fact}"`);
    }
  }

  /** A playbook's defaults set intake fields or its declared facts, with values of their kind. */
  defaults(file: string, defaults: Record<string, DefaultValue>, declared: Set<string>): void {
    for (const [key, value] of Object.entries(defaults)) {
      const path = `defaults.${key}`;
      if (key === 'scenario') {
        this.faults.add(file, path, 'the scenario is the playbook itself; remove this default');
        continue;
      }
      const kind = declared.has(key) ? 'boolean' : this.intakeTypes.get(key);
      if (kind === undefined) {
        this.faults.add(
          file,
          path,
          `unknown field "${key}"; defaults may set intake fields (${INTAKE_KEYS.filter((k) => k !== 'scenario').join(', ')}) or declared facts (${[...declared].join(', ') || 'none'})`,
        );
        continue;
      }
      const options = this.intakeOptions.get(key);
      const bad = (what: string) => this.faults.add(file, path, `"${key}" is ${kind}: ${what}`);
      if (kind === 'boolean' && typeof value !== 'boolean') bad('give true or false');
      else if ((kind === 'number' || kind === 'headcount') && typeof value !== 'number') bad('give a number');
      else if ((kind === 'text' || kind === 'textarea') && typeof value !== 'string') bad('give a text');
      else if (kind === 'datetime') bad('times cannot have a default in a playbook');
      else if (kind === 'select' && (typeof value !== 'string' || (options && !options.has(value))))
        bad(`give one of ${[...(options ?? [])].join(', ')}`);
      else if (kind === 'multiselect') {
        if (!Array.isArray(value)) bad('give a list');
        else for (const v of value) if (options && !options.has(v)) this.faults.add(file, path, `"${v}" is not an option of "${key}"`);
      }
    }
  }
}
