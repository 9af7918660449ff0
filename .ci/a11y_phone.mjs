// The phone pass of the accessibility check: each page at 375 × 800 CSS pixels, as a
// catalyseur opens it on her phone. Two checks per page:
//   - axe-core with the WCAG 2.1 A/AA tags (serious and critical fail), at that width: the
//     compact menu, wrapped filters and stacked tables are what gets audited;
//   - reflow (WCAG 1.4.10): the page must not scroll sideways at 375 px (wide tables and the
//     map scroll inside their own box, which is allowed; the page itself may not).
// Runs from the copy of ../shared/conformance/a11y that .ci/run installs (it resolves
// playwright-core and axe-core from there): node "$A11Y/a11y_phone.mjs" [--json=FILE] URL...
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const args = process.argv.slice(2);
const jsonOut = (args.find(a => a.startsWith('--json=')) || '').slice('--json='.length);
const urls = args.filter(a => !a.startsWith('--'));
const WIDTH = 375;
const HEIGHT = 800;
const levels = ['minor', 'moderate', 'serious', 'critical'];
const threshold = levels.indexOf('serious');
const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
if (urls.length === 0) { console.error('usage: node a11y_phone.mjs [--json=FILE] URL...'); process.exit(2); }

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({
  viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
});
const report = [];
let failing = 0;
try {
  for (const url of urls) {
    const page = await context.newPage();
    const resp = await page.goto(url, { waitUntil: 'load' });
    if (!resp || resp.status() >= 400) {
      console.log(`FAIL: ${url} answered ${resp ? resp.status() : 'nothing'}`);
      failing++;
      await page.close();
      continue;
    }
    await page.waitForLoadState('networkidle', { timeout: 10000 }).catch(() => {});
    await page.waitForTimeout(300);
    let bad = false;
    // Reflow: the document wider than the screen means sideways scrolling; name the widest
    // element that sticks out so the fix is obvious.
    const overflow = await page.evaluate((w) => {
      const doc = document.documentElement.scrollWidth;
      if (doc <= w + 1) return null;
      // An element that sticks out while inside a scrolling box escapes it only when it is
      // positioned (absolute, fixed) against something outside: report those too.
      let worst = null, escaped = null;
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > w + 1 && (!worst || r.right > worst.right)) {
          let p = el.parentElement, clipped = false;
          while (p) {
            const s = getComputedStyle(p);
            if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') { clipped = true; break; }
            p = p.parentElement;
          }
          const found = { right: Math.round(r.right), tag: el.tagName.toLowerCase(), cls: el.className && String(el.className) };
          if (!clipped) worst = found;
          else if (/absolute|fixed/.test(getComputedStyle(el).position) && (!escaped || r.right > escaped.right)) escaped = found;
        }
      }
      return { doc, worst: worst || escaped };
    }, WIDTH);
    if (overflow) {
      const w = overflow.worst;
      console.log(`FAIL: ${url} scrolls sideways at ${WIDTH}px (page ${overflow.doc}px wide${w ? `; e.g. <${w.tag} class="${w.cls}"> ends at ${w.right}px` : ''})`);
      bad = true;
    }
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async (t) =>
      await window.axe.run(document, { runOnly: { type: 'tag', values: t } }), tags);
    const violations = result.violations.filter(v => levels.indexOf(v.impact) >= threshold);
    for (const v of violations) {
      console.log(`FAIL: ${url} ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes) e.g. ${v.nodes[0].target.join(' ')}`);
    }
    if (violations.length) bad = true;
    if (bad) failing++;
    report.push({ url, width: WIDTH, overflow, violations: result.violations, passes: result.passes.length });
    await page.close();
  }
} finally {
  await browser.close();
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(report, null, 2));
console.log(`a11y at ${WIDTH}px: ${urls.length} pages, ${failing} with a violation or sideways scrolling`);
process.exit(failing ? 1 : 0);
