// Writes slotscope.js, the loader (scripts/loader-template.js), into a Trunk build folder,
// with the hashed names of the app's JavaScript, WebAssembly and CSS filled in, and replaces
// Trunk's inline boot script in index.html with it: one script file, so a page served with a
// Content-Security-Policy without 'unsafe-inline' still starts. Called by scripts/minify-js.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Writes `dir`/slotscope.js and rewrites `dir`/index.html; returns the new HTML. */
export function writeLoader(dir, html) {
  const boot = html.match(/<script type=["']?module["']?>([\s\S]*?)<\/script>/);
  if (!boot && html.includes('data-slotscope-page')) return html; // written already
  const js = boot?.[1].match(/from\s*['"]([^'"]+\.js)['"]/)?.[1];
  const wasm = boot?.[1].match(/module_or_path:\s*['"]([^'"]+\.wasm)['"]/)?.[1];
  const css = html.match(/href=["']?([^"' >]*\/styles-[^"' >]*\.css)/)?.[1];
  if (!js || !wasm || !css) throw new Error('write-loader: boot script, JS, WASM or CSS not found in index.html');
  // Trunk writes every path as public URL + file name; the loader finds files next to itself.
  const prefix = js.slice(0, js.lastIndexOf('/') + 1);
  const source = fs
    .readFileSync(path.join(here, 'loader-template.js'), 'utf8')
    .replace('__JS__', './' + path.basename(js))
    .replace('__WASM__', './' + path.basename(wasm))
    .replace('__CSS__', './' + path.basename(css));
  fs.writeFileSync(path.join(dir, 'slotscope.js'), source);
  return html.replace(boot[0], `<script type="module" src="${prefix}slotscope.js" data-slotscope-page></script>`);
}
