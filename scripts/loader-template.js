// slotscope's loader. The build writes it as slotscope.js (a name without a hash, for the
// address a docs author types), with the hashed names of the app's files filled in
// (scripts/write-loader.mjs); every file is found relative to this script.
// - On the app's own page (index.html loads it with data-slotscope-page) it starts the
//   app and, inside an iframe, posts the content height to the parent window:
//   {type: "slotscope:height", height} (pixels), whenever it changes.
// - On any other page it defines <slotscope-demo>: each element is an independent app in
//   its own shadow root, its attributes read as the page's URL parameters. Without a theme
//   attribute it follows the host page's declared color-scheme, else the system's theme.
const file = (name) => new URL(name, import.meta.url).href;
let started;
const start = () =>
  (started ??= import(file("__JS__")).then(async (m) => [m, await m.default({ module_or_path: file("__WASM__") })]));

if (document.querySelector("script[data-slotscope-page]")) {
  // Trunk's own boot script announces the start the same way.
  start().then(([, wasm]) => dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } })));
  if (parent !== window) {
    let last;
    new ResizeObserver(() => {
      const height = Math.ceil(document.body.getBoundingClientRect().height);
      if (height !== last) parent.postMessage({ type: "slotscope:height", height: (last = height) }, "*");
    }).observe(document.body);
  }
} else {
  // Where the app's files are; also tells the app's main() to leave the host page's <body> alone.
  globalThis.slotscopeBase = file("./");
  // Attributes any element may carry; the others are the app's parameters.
  const standard = /^(id|class|style|title|lang|dir|hidden|slot|part|tabindex|data-.*|aria-.*)$/;
  // The host page's own theme: the color-scheme its page declares (a docs site's dark mode
  // usually sets it), followed as the page changes it. Without one, the system's theme.
  const followHost = (el) => {
    const apply = () => {
      const scheme = getComputedStyle(el.parentElement ?? document.documentElement).colorScheme.replace("only ", "");
      if (scheme === "dark" || scheme === "light") el.setAttribute("data-host-theme", scheme);
      else el.removeAttribute("data-host-theme");
    };
    apply();
    const watch = new MutationObserver(apply);
    for (const n of [document.documentElement, document.body]) watch.observe(n, { attributes: true });
  };
  customElements.get("slotscope-demo") ||
    customElements.define(
      "slotscope-demo",
      class extends HTMLElement {
        connectedCallback() {
          if (this.shadowRoot) return;
          const root = this.attachShadow({ mode: "open" });
          if (!this.hasAttribute("theme")) followHost(this);
          const css = document.createElement("link");
          css.rel = "stylesheet";
          css.href = file("__CSS__");
          const box = document.createElement("div");
          box.textContent = "Loading…";
          root.append(css, box);
          const query = new URLSearchParams({ embed: 1 });
          for (const { name, value } of this.attributes) if (!standard.test(name)) query.set(name, value);
          const styled = new Promise((done) => (css.onload = css.onerror = done));
          Promise.all([start(), styled])
            .then(([[m]]) => {
              box.textContent = "";
              m.mount(box, "?" + query);
            })
            .catch((e) => {
              box.textContent = "slotscope could not start: " + e;
              console.error("slotscope:", e);
            });
        }
      },
    );
}
