// Download budgets, gzip -9 of HTML + JS + WASM + CSS, each at most 150 KB:
// - the page: index.html and every file it references (what opening the page downloads;
//   e2e/tests/loading.test.mjs checks in Chromium that the page fetches nothing else
//   until a person opens a tool);
// - the tools module: tools-worker.js and the files it loads (slotscope-tools*), fetched
//   the first time a person opens a tool.
// Any other counted file in the dist folder is added to the page, to be safe.
// Usage: node e2e/budget.mjs [dist-dir]   (default target/e2e-dist; exits 1 over a budget)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BUDGET = 150 * 1024; // 153600 bytes, for each group
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.resolve(process.argv[2] ?? process.env.SLOTSCOPE_DIST ?? path.join(repo, 'target', 'e2e-dist'));
const counted = new Set(['.html', '.js', '.mjs', '.wasm', '.css']);

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

const files = walk(dist)
  .filter((f) => counted.has(path.extname(f).toLowerCase()))
  .map((f) => path.relative(dist, f))
  .sort();
if (!files.includes('index.html')) {
  console.error(`budget: no index.html in ${dist}`);
  process.exit(1);
}
const isTools = (f) => f === 'tools-worker.js' || path.basename(f).startsWith('slotscope-tools');
const groups = [
  ['page', files.filter((f) => !isTools(f))],
  ['tools module', files.filter(isTools)],
];

let failed = false;
for (const [group, list] of groups) {
  let total = 0;
  let rawTotal = 0;
  const rows = list.map((f) => {
    const raw = fs.readFileSync(path.join(dist, f));
    const gz = zlib.gzipSync(raw, { level: 9 }).length;
    total += gz;
    rawTotal += raw.length;
    return [f, raw.length, gz];
  });
  const w = Math.max(...rows.map((r) => r[0].length), 5);
  console.log(`\n${group}:`);
  console.log(`${'file'.padEnd(w)}  ${'raw B'.padStart(9)}  ${'gzip -9 B'.padStart(9)}`);
  for (const [name, raw, gz] of rows) console.log(`${name.padEnd(w)}  ${String(raw).padStart(9)}  ${String(gz).padStart(9)}`);
  console.log(`${'total'.padEnd(w)}  ${String(rawTotal).padStart(9)}  ${String(total).padStart(9)}`);
  const pct = ((100 * total) / BUDGET).toFixed(1);
  if (list.length === 0) {
    console.log(`budget: FAIL ${group}: no files`);
    failed = true;
  } else if (total > BUDGET) {
    console.log(`budget: FAIL ${group} ${total} B gzip > ${BUDGET} B (${pct}% of 150 KB)`);
    failed = true;
  } else {
    console.log(`budget: ok ${group} ${total} B gzip <= ${BUDGET} B (${pct}% of 150 KB)`);
  }
}
process.exit(failed ? 1 : 0);
