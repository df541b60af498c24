// Runs slotscope's tools module (comparison, key calculator, tours' words, session files)
// off the page's main thread.
// The page creates this worker the first time a person opens a tool; the module's
// files sit next to this script. Each message is {id, request, file?}; a file a
// person chose is read here and attached to the request after a `---` line. Each
// answer is {id, answer, ms}, ms being the time the tool took. The tools that write a
// file for the person to download (session-save, session-log) answer with the URL of
// that file, made here (it lasts a minute), or with their error.
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
    const type = { "session-save": "application/json", "session-log": "text/plain" }[request.split("\n", 1)[0]];
    if (type && !answer.startsWith("error:")) {
      answer = URL.createObjectURL(new Blob([answer], { type }));
      setTimeout(() => URL.revokeObjectURL(answer), 60_000);
    }
  } catch (e) {
    answer = "error: the tools module failed: " + e;
  }
  postMessage({ id, answer, ms: performance.now() - start });
};
