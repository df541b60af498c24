//! Keyboard shortcuts (also what a presenter's clicker sends) and the sheet that lists
//! them. One listener on the document; keys typed into a field are left alone.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlDialogElement, KeyboardEvent};
use yew::html::Scope;
use yew::prelude::*;

use crate::app::{App, Msg};
use crate::h::el;

/// The shortcut sheet's content (a `<dialog>`; Escape or Close shuts it).
const SHEET: &str = r#"<h2 id="keys-title">Keyboard shortcuts</h2><dl class="keys-list"><dt><kbd>Space</kbd> <kbd>→</kbd> <kbd>Page Down</kbd></dt><dd>Next hop (after going back: forward one step)</dd><dt><kbd>←</kbd> <kbd>Page Up</kbd></dt><dd>Back one step</dd><dt><kbd>.</kbd></dt><dd>Play or pause (a presenter remote's “blank screen” key)</dd><dt><kbd>?</kbd></dt><dd>This list</dd><dt><kbd>Esc</kbd></dt><dd>Close this list</dd></dl><p class="muted">Keys typed into a text box or a menu stay there.</p><form method="dialog"><button>Close</button></form>"#;

/// The document's key listener and the shortcut sheet.
#[derive(Default)]
pub struct Keys {
    listener: Option<EventListener>,
    sheet: NodeRef,
}

/// What a key does, or None. `target` is the focused element.
fn message(e: &KeyboardEvent, target: Option<&Element>) -> Option<Msg> {
    if e.default_prevented() || e.ctrl_key() || e.alt_key() || e.meta_key() {
        return None;
    }
    let tag = target.map(|t| t.tag_name()).unwrap_or_default();
    let typing = matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA")
        || target.is_some_and(|t| {
            t.closest("dialog,[contenteditable]")
                .ok()
                .flatten()
                .is_some()
        });
    if typing {
        return None;
    }
    // Space presses a focused button; arrows scroll a focused scrollable region.
    let own_keys = matches!(tag.as_str(), "BUTTON" | "A" | "SUMMARY");
    let region = target.is_some_and(|t| t.has_attribute("tabindex"));
    Some(match e.key().as_str() {
        " " if !own_keys => Msg::Next,
        "ArrowRight" if !region => Msg::Next,
        "PageDown" => Msg::Next,
        "ArrowLeft" if !region => Msg::Back,
        "PageUp" => Msg::Back,
        "." => Msg::TogglePlay,
        "?" => Msg::OpenKeys,
        _ => return None,
    })
}

impl Keys {
    /// Starts listening (once); the listener goes when the app does.
    pub fn listen(&mut self, link: &Scope<App>) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let link = link.clone();
        let options = EventListenerOptions::enable_prevent_default();
        self.listener = Some(EventListener::new_with_options(
            &document,
            "keydown",
            options,
            move |e| {
                let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
                if let Some(msg) = message(e, target.as_ref()) {
                    e.prevent_default();
                    link.send_message(msg);
                }
            },
        ));
    }

    /// Opens the sheet; focus moves into it, and back where it was when it closes.
    pub fn open(&self) {
        if let Some(d) = self.sheet.cast::<HtmlDialogElement>() {
            if !d.open() {
                let _ = d.show_modal();
            }
        }
    }

    /// The (closed) sheet.
    pub fn view(&self) -> Html {
        el("dialog")
            .r(self.sheet.clone())
            .c("keys-sheet")
            .at("aria-labelledby", "keys-title")
            .raw(SHEET.into())
            .h()
    }
}
