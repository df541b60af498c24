//! Checks that the browser test pipeline works (wasm-bindgen-test-runner + headless Chromium).
//! Run with `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p slotscope --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn runs_in_a_browser_with_a_document() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a browser window with a document");
    let div = document.create_element("div").expect("create_element");
    div.set_text_content(Some("slotscope"));
    assert_eq!(div.text_content().as_deref(), Some("slotscope"));
}
