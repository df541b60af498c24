//! slotscope's browser UI: Yew components that render a [`slotscope_sim::world::World`]
//! and turn clicks into calls on it. No protocol rule lives here: slots, owners,
//! replies and reasons all come from the simulation core.

pub mod app;
pub mod compare;
pub mod dom;
pub mod h;
pub mod markup;
pub mod slotmap;
pub mod text;
pub mod tools;
pub mod url;

pub use app::{App, AppProps};

/// Starts the app in the page: installs the panic banner, reads the URL parameters
/// and mounts [`App`] on `<body>`.
pub fn start() {
    dom::install_panic_hook();
    let props = AppProps {
        query: dom::location_search().into(),
        sync_url: true,
    };
    yew::Renderer::<App>::with_props(props).render();
}

/// The page's allocator (see Cargo.toml).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
