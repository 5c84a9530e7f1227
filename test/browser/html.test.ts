/**
 * The HTML report in a real browser: Debian's /usr/bin/chromium driven by playwright-core (never a
 * downloaded browser). Opens generated reports from file:// URLs and checks that the charts render (SVG
 * present, sized, titled), that there are no console or page errors, and that hostile log text shows as
 * text and never runs. Skipped (with the reason) when chromium or playwright-core is missing, unless CI is
 * set: under CI a missing browser fails. With CTD_SCREENSHOT=1 it saves docs/screenshot-html.png (full
 * page, the sample incident).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../src/report/html.js';
import { analyze } from '../../src/analyze.js';
import { ROOT } from '../helpers.js';
import { HOSTILE, hostileReport, sampleReport } from '../report/sample-report.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The little of playwright-core this test uses (typed here so the project compiles without it). */
interface Msg { type(): string; text(): string }
interface Page {
  on(ev: 'console', f: (m: Msg) => void): void;
  on(ev: 'pageerror', f: (e: Error) => void): void;
  goto(url: string, o?: { waitUntil?: 'load' }): Promise<unknown>;
  evaluate<T>(expr: string): Promise<T>;
  screenshot(o: { path: string; fullPage: boolean }): Promise<unknown>;
  setViewportSize(s: { width: number; height: number }): Promise<void>;
  close(): Promise<void>;
}
interface Context { newPage(): Promise<Page>; close(): Promise<void> }
interface Playwright {
  chromium: { launchPersistentContext(dir: string, o: { executablePath: string; args: string[]; headless: boolean }): Promise<Context> };
}

async function loadPlaywright(): Promise<Playwright | string> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (apt-get install chromium)`;
  try {
    const name = 'playwright-core';
    return (await import(name)) as Playwright;
  } catch {
    return 'playwright-core is not installed (npm install --save-dev playwright-core)';
  }
}

interface PageFacts {
  readonly svgs: readonly { cls: string; width: number; height: number; title: string; aria: string }[];
  readonly pwned: string;
  readonly text: string;
  readonly scripts: number;
}

const FACTS = `(() => ({
  svgs: [...document.querySelectorAll('svg.chart')].map((s) => {
    const r = s.getBoundingClientRect();
    return { cls: s.getAttribute('class'), width: r.width, height: r.height, title: s.querySelector(':scope > title')?.textContent ?? '', aria: s.getAttribute('aria-label') ?? '' };
  }),
  pwned: typeof window.__pwned,
  text: document.body.innerText,
  scripts: document.scripts.length,
}))()`;

test('the HTML report in headless Chromium', { timeout: 60_000 }, async (t) => {
  const pw = await loadPlaywright();
  if (typeof pw === 'string') {
    if (process.env['CI']) assert.fail(`browser test cannot run under CI: ${pw}`);
    t.skip(pw);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ctd-browser-'));
  const ctx = await pw.chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const open = async (name: string, html: string): Promise<{ page: Page; facts: PageFacts; errors: string[] }> => {
      const file = join(dir, name);
      writeFileSync(file, html);
      const page = await ctx.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      return { page, facts: await page.evaluate<PageFacts>(FACTS), errors };
    };

    await t.test('the sample incident: four charts, sized and titled, no errors', async () => {
      const { page, facts, errors } = await open('sample.html', renderHtml(sampleReport(), {}));
      assert.deepEqual(errors, []);
      assert.deepEqual(facts.svgs.map((s) => s.cls), ['chart timeline', 'chart per-minute', 'chart bars', 'chart bars']);
      for (const s of facts.svgs) {
        assert.ok(s.width > 100 && s.height > 50, `${s.cls} is ${s.width}x${s.height}`);
        assert.ok(s.title.length > 10 && s.title === s.aria, s.cls);
      }
      assert.equal(facts.scripts, 0);
      assert.match(facts.text, /The conntrack table on web-07 hit its limit/);
      await page.close();
    });

    await t.test('the bundled sample incident, analysed for real: charts render, no errors', async () => {
      const report = await analyze([relative(process.cwd(), join(ROOT, 'samples', 'incident-web-07')) || '.'], { year: 2026 });
      const { page, facts, errors } = await open('incident.html', renderHtml(report, {}));
      assert.deepEqual(errors, []);
      assert.deepEqual(facts.svgs.map((s) => s.cls), ['chart timeline', 'chart per-minute', 'chart bars', 'chart bars']);
      for (const s of facts.svgs) assert.ok(s.width > 100 && s.height > 50 && s.title.length > 10, `${s.cls} is ${s.width}x${s.height}`);
      assert.match(facts.text, /3,080/);
      assert.match(facts.text, /net\.netfilter\.nf_conntrack_max = 131072/);
      if (process.env['CTD_SCREENSHOT'] === '1') {
        mkdirSync(join(ROOT, 'docs'), { recursive: true });
        // the top of the page (story, charts, bursts, what fills the table): the README shows it
        await page.setViewportSize({ width: 1100, height: 2200 });
        await page.screenshot({ path: join(ROOT, 'docs', 'screenshot-html.png'), fullPage: false });
      }
      await page.close();
    });

    await t.test('hostile log text shows as text and never runs', async () => {
      const { facts, errors } = await open('hostile.html', renderHtml(hostileReport(), {}));
      assert.deepEqual(errors, []);
      assert.equal(facts.pwned, 'undefined');
      assert.equal(facts.scripts, 0);
      assert.ok(facts.text.includes(HOSTILE.script), 'the <script> tag is visible text');
      assert.ok(facts.text.includes('\\x1B[31mRED\\x1B[0m'), 'ANSI escapes are visible');
      assert.ok(facts.text.includes('</pre><b>bold</b>'), '</pre> is visible text');
      assert.ok(facts.text.includes('evil\\u202Egnp.exe'), 'the bidi override is visible, not applied');
      assert.ok(!facts.text.includes('\u202e'));
      assert.ok(facts.svgs.length === 4);
    });
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
