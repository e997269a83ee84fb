import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/**
 * What every browser test of the product's pages checks and keeps: axe-core's serious and critical violations, and
 * screenshots (in .test-results/, and with UPDATE_SCREENSHOTS=1 in docs/images/ as the docs' examples).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = path.join(repoRoot, '.test-results');
const DOCS = path.join(repoRoot, 'docs', 'images');

export const RESULTS_DIR = RESULTS;
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's WCAG 2.x A/AA and best-practice rules on the page: the serious and critical violations (none expected).
 * The page's context needs `bypassCSP: true`, since the pages allow no script of their own.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(await axeSource);
  const options = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } };
  const violations = await page.evaluate<AxeViolation[]>(`axe.run(document, ${JSON.stringify(options)}).then((r) => r.violations)`);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}

/** A screenshot of the page as `name`.png (CSS pixels); also into docs/images/ with UPDATE_SCREENSHOTS=1. */
export async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`), scale: 'css' });
  if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: path.join(DOCS, `${name}.png`), scale: 'css' });
}
