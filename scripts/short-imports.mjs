// Gives the page's WebAssembly imports short names. wasm-bindgen names each import after the
// Rust binding plus a 16-digit hash (`__wbg_addEventListener_f2d27251d333a631`) in a module
// named after its JavaScript file; both names are written in the .wasm and again in the
// JavaScript that supplies the imports, and hashes do not compress. Renaming them (`a0`,
// `a1`, ... in module `a`) in both files takes about 4 KB gzip off every page load. Custom
// sections (build metadata) are left out too.
// Called by scripts/minify-js.mjs on release builds, before the JavaScript is minified.
import fs from 'node:fs';
import path from 'node:path';

/** Reads an unsigned LEB128 at `i`; returns [value, next index]. */
function leb(buf, i) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[i++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, i];
  }
}

function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

const str = (s) => Buffer.concat([uleb(Buffer.byteLength(s)), Buffer.from(s)]);

/** Length of an import's type description starting at `i` (kind byte already read). */
function descEnd(buf, kind, i) {
  if (kind === 0) return leb(buf, i)[1]; // function: type index
  if (kind === 3) return i + 2; // global: value type, mutability
  if (kind === 4) return leb(buf, i + 1)[1]; // tag: attribute, type index
  if (kind === 1) i += 1; // table: element type, then limits
  const flags = buf[i];
  [, i] = leb(buf, i + 1);
  if (flags & 1) [, i] = leb(buf, i);
  return i;
}

/**
 * Renames the imports of `wasmFile` and the matching names in `jsFile` (wasm-bindgen's
 * output for `--target web`). Throws when the two files do not match as expected, so a
 * change in wasm-bindgen's output fails the build instead of breaking the page.
 */
export function shortenImports(jsFile, wasmFile) {
  const wasm = fs.readFileSync(wasmFile);
  let js = fs.readFileSync(jsFile, 'utf8');
  const parts = [wasm.subarray(0, 8)];
  const renamed = new Map();
  let module = null;
  let i = 8;
  while (i < wasm.length) {
    const id = wasm[i];
    const [size, start] = leb(wasm, i + 1);
    const end = start + size;
    if (id === 0) {
      // A custom section (wasm-opt leaves `producers` and `target_features`): tool
      // metadata no browser reads, about 200 B gzip. Dropped.
      i = end;
      continue;
    }
    if (id !== 2) {
      parts.push(wasm.subarray(i, end));
      i = end;
      continue;
    }
    let [count, j] = leb(wasm, start);
    const body = [uleb(count)];
    for (let n = 0; n < count; n++) {
      let len;
      [len, j] = leb(wasm, j);
      const mod = wasm.toString('utf8', j, j + len);
      j += len;
      [len, j] = leb(wasm, j);
      const field = wasm.toString('utf8', j, j + len);
      j += len;
      const kind = wasm[j];
      const descStart = j + 1;
      j = descEnd(wasm, kind, descStart);
      if (module !== null && mod !== module) throw new Error(`short-imports: two import modules (${module}, ${mod})`);
      module = mod;
      const short = renamed.get(field) ?? `a${renamed.size.toString(36)}`;
      renamed.set(field, short);
      body.push(str('a'), str(short), Buffer.from([kind]), wasm.subarray(descStart, j));
    }
    if (j !== end) throw new Error('short-imports: unexpected import section layout');
    const section = Buffer.concat(body);
    parts.push(Buffer.from([2]), uleb(section.length), section);
    i = end;
  }
  if (module === null) throw new Error(`short-imports: ${path.basename(wasmFile)} has no imports`);
  if (module === 'a') return 0; // renamed already
  const quoted = new RegExp(`(["'])${module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`, 'g');
  if ((js.match(quoted) ?? []).length !== 1) throw new Error(`short-imports: "${module}" not found once in ${path.basename(jsFile)}`);
  js = js.replace(quoted, '"a"');
  for (const [field, short] of renamed) {
    const word = new RegExp(`(?<![\\w$])${field.replace(/[$]/g, '\\$')}(?![\\w$])`, 'g');
    const hits = (js.match(word) ?? []).length;
    if (hits === 0) throw new Error(`short-imports: import ${field} not found in ${path.basename(jsFile)}`);
    js = js.replace(word, short);
  }
  fs.writeFileSync(wasmFile, Buffer.concat(parts));
  fs.writeFileSync(jsFile, js);
  return renamed.size;
}
