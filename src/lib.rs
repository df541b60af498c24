//! slotscope's browser UI: Yew components that render a [`slotscope_sim::world::World`]
//! and turn clicks into calls on it. No protocol rule lives here: slots, owners,
//! replies and reasons all come from the simulation core.

pub mod app;
pub mod byo;
pub mod compare;
pub mod dom;
pub mod h;
pub mod keys;
pub mod markup;
pub mod mode;
pub mod slotmap;
pub mod text;
pub mod tools;
pub mod tour;
pub mod url;

pub use app::{App, AppProps};

/// Starts the app in the page: installs the panic banner, reads the URL parameters
/// and mounts [`App`] on `<body>`. On a host page that loaded `slotscope.js` (see
/// [`embedded_base`]) it mounts nothing: each `<slotscope-demo>` calls [`mount`].
pub fn start() {
    dom::install_panic_hook();
    if embedded_base().is_some() {
        return;
    }
    if let Some(body) = web_sys::window().and_then(|w| w.document()?.body()) {
        render(body.into(), dom::location_search(), true);
    }
}

/// Mounts an independent [`App`] in `root` (inside a `<slotscope-demo>` element's shadow
/// root); `query` holds the element's attributes (`?scenario=ask&theme=dark`). The page's
/// binary exports it to JavaScript (src/main.rs).
pub fn mount(root: web_sys::Element, query: String) {
    render(root, query, false);
}

/// On a page that embeds slotscope, the URL of the folder that holds the app's files
/// (`slotscopeBase`, set by the loader slotscope.js); None on the app's own page.
pub fn embedded_base() -> Option<String> {
    js_sys::Reflect::get(&js_sys::global(), &"slotscopeBase".into())
        .ok()?
        .as_string()
}

/// The one place an [`App`] is mounted (one copy of the mounting code in the WebAssembly).
fn render(root: web_sys::Element, query: String, sync_url: bool) {
    let props = AppProps {
        query: query.into(),
        sync_url,
    };
    yew::Renderer::<App>::with_root_and_props(root, props).render();
}

/// The page's allocator (see Cargo.toml).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
