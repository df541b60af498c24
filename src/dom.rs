//! The few browser calls the app makes directly (URL, console, panic banner).
//! Every one of them tolerates a missing window or document.

use wasm_bindgen::JsValue;
use web_sys::UrlSearchParams;

/// `window.location.search` ("?scenario=ask&key=..."), or "" when unavailable.
pub fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// The decoded values of `names` in a query string, in order (None when absent).
pub fn query_values(query: &str, names: &[&str]) -> Vec<Option<String>> {
    match UrlSearchParams::new_with_str(query) {
        Ok(params) => names.iter().map(|n| params.get(n)).collect(),
        Err(_) => names.iter().map(|_| None).collect(),
    }
}

/// `console.warn(text)`.
pub fn warn(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(text));
}

/// Longest key written into the address bar; longer keys are left out of it.
const MAX_URL_KEY: usize = 2048;

/// Rewrites the address bar (history.replaceState) to `?scenario=...&key=...`, keeping
/// any other parameter.
pub fn replace_url(scenario: &str, key: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let search = window.location().search().unwrap_or_default();
    let Ok(params) = UrlSearchParams::new_with_str(&search) else {
        return;
    };
    params.set("scenario", scenario);
    if key.len() <= MAX_URL_KEY {
        params.set("key", key);
    } else {
        params.delete("key");
    }
    let query: String = params.to_string().into();
    let pathname = window.location().pathname().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(
            &JsValue::NULL,
            "",
            Some(&format!("{pathname}?{query}")),
        );
    }
}

/// Replaces Yew's default panic hook: a panic shows a visible banner (and the message
/// in the console) instead of leaving a frozen or blank page.
pub fn install_panic_hook() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&JsValue::from_str(&format!(
            "slotscope panicked: {message}"
        )));
        show_banner(&message);
    }));
}

fn show_banner(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let Ok(banner) = document.create_element("div") else {
        return;
    };
    banner.set_class_name("panic-banner");
    let _ = banner.set_attribute("role", "alert");
    let Ok(text) = document.create_element("p") else {
        return;
    };
    text.set_text_content(Some(&format!(
        "Something went wrong inside slotscope and it stopped ({}). Reload the page to start again.",
        crate::text::clip(message, 300)
    )));
    let _ = banner.append_child(&text);
    if let Ok(link) = document.create_element("a") {
        let _ = link.set_attribute("href", "");
        link.set_text_content(Some("Reload"));
        let _ = banner.append_child(&link);
    }
    let _ = body.insert_before(&banner, body.first_child().as_ref());
}
