// Page-weight budget: sum of gzip -9 sizes of the bundle's HTML, JS, WASM and CSS.
// Usage: node e2e/budget.mjs [dist-dir]   (default target/e2e-dist; exits 1 over budget)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BUDGET = 150 * 1024; // 153600 bytes
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
  .sort();
if (files.length === 0) {
  console.error(`budget: no HTML/JS/WASM/CSS files in ${dist}`);
  process.exit(1);
}

let total = 0;
let rawTotal = 0;
const rows = files.map((f) => {
  const raw = fs.readFileSync(f);
  const gz = zlib.gzipSync(raw, { level: 9 }).length;
  total += gz;
  rawTotal += raw.length;
  return [path.relative(dist, f), raw.length, gz];
});
const w = Math.max(...rows.map((r) => r[0].length), 5);
console.log(`${'file'.padEnd(w)}  ${'raw B'.padStart(9)}  ${'gzip -9 B'.padStart(9)}`);
for (const [name, raw, gz] of rows) console.log(`${name.padEnd(w)}  ${String(raw).padStart(9)}  ${String(gz).padStart(9)}`);
console.log(`${'total'.padEnd(w)}  ${String(rawTotal).padStart(9)}  ${String(total).padStart(9)}`);
const pct = ((100 * total) / BUDGET).toFixed(1);
if (total > BUDGET) {
  console.log(`budget: FAIL ${total} B gzip > ${BUDGET} B (${pct}% of 150 KB)`);
  process.exit(1);
}
console.log(`budget: ok ${total} B gzip <= ${BUDGET} B (${pct}% of 150 KB)`);
