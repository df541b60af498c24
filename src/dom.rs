//! The few browser calls the app makes directly (URL, console, panic banner).
//! Every one of them tolerates a missing window or document.

use wasm_bindgen::{JsCast, JsValue};
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

/// Rewrites the address bar's query (history.replaceState), keeping the path.
pub fn replace_query(query: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let pathname = window.location().pathname().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(
            &JsValue::NULL,
            "",
            Some(&format!("{pathname}?{query}")),
        );
    }
}

/// This page's address without its query and fragment (`https://host/path`).
pub fn page_address() -> String {
    web_sys::window()
        .map(|w| {
            let l = w.location();
            format!(
                "{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

/// Turns the landmarks inside `root` into plain parts: named sections and forms lose
/// their names, and regions become groups. A widget on a host page does this, so that
/// the same widget twice on a page does not repeat every landmark (the host page has its
/// own).
pub fn unname_landmarks(root: &web_sys::Element) {
    let Ok(list) = root.query_selector_all(
        "section[aria-label],section[aria-labelledby],form[aria-labelledby],[role=region]",
    ) else {
        return;
    };
    for i in 0..list.length() {
        let Some(e) = list
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        if e.get_attribute("role").as_deref() == Some("region") {
            let _ = e.set_attribute("role", "group");
        } else {
            let _ = e.remove_attribute("aria-label");
            let _ = e.remove_attribute("aria-labelledby");
        }
    }
}

/// Focuses the text field with this id and selects its text.
pub fn select_field(id: &str) {
    let field = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
    if let Some(f) = field {
        let _ = f.focus();
        f.select();
    }
}

/// Writes `text` to the clipboard (`navigator.clipboard.writeText`); `done` gets
/// whether it worked (false when the browser has no clipboard or refuses).
pub fn copy_text(text: &str, done: yew::Callback<bool>) {
    let clipboard = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"clipboard".into()).ok())
        .filter(|c| c.is_object());
    let Some(clipboard) = clipboard else {
        done.emit(false);
        return;
    };
    let promise = clipboard
        .unchecked_into::<web_sys::Clipboard>()
        .write_text(text);
    // writeText fulfils with undefined and rejects with an error: one handler for both.
    let settled = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
        done.emit(v.is_undefined())
    });
    let _ = promise.then2(&settled, &settled);
    settled.forget();
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

/// Opens this page at the moment `query` (a link's query string, without `?`) describes.
pub fn open_query(query: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_search(query);
    }
}

/// Offers the file at `url` (made by the tools worker) to the person as a download
/// named `name`.
pub fn download(url: &str, name: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        let _ = a.set_attribute("href", url);
        let _ = a.set_attribute("download", name);
        if let Ok(a) = a.dyn_into::<web_sys::HtmlElement>() {
            a.click();
        }
    }
}
