//! The page's entry point (Trunk builds this binary).

fn main() {
    slotscope::start();
}

/// [`slotscope::mount`] for JavaScript: the loader (slotscope.js) calls it for each
/// `<slotscope-demo>` element.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount(root: web_sys::Element, query: String) {
    slotscope::mount(root, query);
}
