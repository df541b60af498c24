// Runs slotscope's tools module (comparison, import) off the page's main thread.
// The page creates this worker the first time a person opens a tool; the module's
// files sit next to this script. Each message is {id, request, file?}; a file a
// person chose is read here and attached to the request after a `---` line. Each
// answer is {id, answer, ms}, ms being the time the tool took.
importScripts("./slotscope-tools.js");
const ready = wasm_bindgen({ module_or_path: "./slotscope-tools_bg.wasm" });
onmessage = async (event) => {
  const { id, request, file } = event.data;
  let answer;
  let start = performance.now();
  try {
    let text = request;
    if (file) text += "\n---\n" + (await file.text());
    await ready;
    start = performance.now();
    answer = wasm_bindgen.handle(text);
  } catch (e) {
    answer = "error: the tools module failed: " + e;
  }
  postMessage({ id, answer, ms: performance.now() - start });
};
