// Trunk post-build hook: minifies the JavaScript that wasm-bindgen wrote (Trunk's own
// minifier gives up on `export default`), then updates the page's integrity hashes for
// the files it changed. Every reader downloads this JavaScript, so it counts toward the
// page-weight budget (e2e/budget.mjs).
// Runs from Trunk with TRUNK_STAGING_DIR set; `node scripts/minify-js.mjs <dir>` also works.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { writeLoader } from './write-loader.mjs';
import { shortenImports } from './short-imports.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { minify } = createRequire(path.join(repo, 'e2e', 'package.json'))('terser');
const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('minify-js: no directory (TRUNK_STAGING_DIR unset)');
  process.exit(1);
}
const htmlPath = path.join(dir, 'index.html');
// The loader slotscope.js (embedding, and the page's boot script), in every profile.
fs.writeFileSync(htmlPath, writeLoader(dir, fs.readFileSync(htmlPath, 'utf8')));
// Release builds only: debug builds stay readable.
if (process.env.TRUNK_PROFILE && process.env.TRUNK_PROFILE !== 'release') process.exit(0);

let html = fs.readFileSync(htmlPath, 'utf8');
// The page's bindings: short import names in its JavaScript and WebAssembly.
const wasmName = html.match(/href=["']?(?:[^"' >]*\/)?(slotscope-[0-9a-f]+_bg\.wasm)/)?.[1];
if (!wasmName) throw new Error('minify-js: the page\'s WebAssembly is not named in index.html');
const wasmFile = path.join(dir, wasmName);
const count = shortenImports(path.join(dir, wasmName.replace(/_bg\.wasm$/, '.js')), wasmFile);
console.log(`minify-js: ${count} imports of ${wasmName} renamed`);
html = setIntegrity(html, wasmName, fs.readFileSync(wasmFile));
for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
  const file = path.join(dir, name);
  const source = shortDebugString(fs.readFileSync(file, 'utf8'));
  // The page's module exports its bindings; the tools module is a classic worker script.
  const module = /^\s*export\s|\nexport\s|import\.meta/.test(source);
  const out = await minify(source, { module, compress: { passes: 2 }, mangle: true });
  if (!out.code || out.code.length >= source.length) continue;
  fs.writeFileSync(file, out.code);
  html = setIntegrity(html, name, out.code);
  console.log(`minify-js: ${name} ${source.length} -> ${out.code.length} B`);
}
fs.writeFileSync(htmlPath, html);

/** Updates the integrity hash of the link to `name` in `html` for its new content. */
function setIntegrity(html, name, content) {
  const sri = 'sha384-' + crypto.createHash('sha384').update(content).digest('base64');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return html.replace(
    new RegExp(`(href=["']?[^"' >]*${escaped}["']?[^>]*?integrity=["']?)sha384-[A-Za-z0-9+/=]+`, 'g'),
    `$1${sri}`,
  );
}

/**
 * wasm-bindgen's `debugString` (a JavaScript value described for a Rust panic message,
 * about 2 KB) becomes `String(value)`: panic messages name a JavaScript error by its text
 * instead of its structure, and every reader downloads less.
 */
function shortDebugString(source) {
  const start = source.indexOf('function debugString(val) {');
  if (start < 0) return source;
  const end = source.indexOf('\n}\n', start);
  if (end < 0) throw new Error('minify-js: the end of debugString was not found');
  const short = 'function debugString(val) {\n    try { return String(val); } catch (_) { return typeof val; }';
  return source.slice(0, start) + short + source.slice(end);
}
