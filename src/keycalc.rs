//! The key calculator: a person pastes many keys and sees each key's slot and hash tag,
//! the node of this cluster that serves it, and which keys may go together in one
//! multi-key command. The work happens in the tools worker ([`crate::tools`]); this part
//! of the page sends the keys with the cluster's slot owners and shows the answer. It
//! lives inside [`crate::app::App`] (its messages travel as `app::Msg::Keys`).

use slotscope_sim::slot_overview::overview;
use slotscope_sim::world::World;
use web_sys::HtmlTextAreaElement;
use yew::html::Scope;
use yew::prelude::*;

use crate::app::App;
use crate::h::el;
use crate::markup::esc;
use crate::tools::Answer;

/// Longest paste read (the tools module reads up to 200,000 keys).
const MAX_PASTE_BYTES: usize = 16 << 20;

/// What a person does in the key calculator.
#[derive(Clone)]
pub enum Msg {
    Run,
    /// The tools' answer to the request with this number.
    Answer(u32, Answer),
}

/// The key calculator's state.
#[derive(Default)]
pub struct KeyCalc {
    /// The paste box: read when a person asks, so a long paste is not copied per keystroke.
    area: NodeRef,
    /// Requests sent so far.
    asked: u32,
    /// The request whose answer is awaited.
    pending: Option<u32>,
    result: Option<String>,
    status: String,
    error: Option<String>,
}

fn cb<E: 'static>(link: &Scope<App>, f: impl Fn(E) -> Msg + 'static) -> Callback<E> {
    link.callback(move |e| crate::app::Msg::Keys(f(e)))
}

impl KeyCalc {
    /// Applies a message; true when the view changed.
    pub fn update(&mut self, link: &Scope<App>, world: &World, msg: Msg) -> bool {
        match msg {
            Msg::Run => {
                let keys = self
                    .area
                    .cast::<HtmlTextAreaElement>()
                    .map(|t| t.value())
                    .unwrap_or_default();
                if keys.len() > MAX_PASTE_BYTES {
                    self.error = Some("The paste is larger than 16 MiB: paste fewer keys.".into());
                    return true;
                }
                let names = world.names();
                let mut req = String::from("keys\n");
                for (a, b, owner) in overview(world.cluster()).runs {
                    if let Some(name) = owner.and_then(|o| names.get(o as usize)) {
                        req.push_str(&format!("owner={a}-{b} {name}\n"));
                    }
                }
                req.push_str("---\n");
                req.push_str(&keys);
                self.asked += 1;
                let (n, link) = (self.asked, link.clone());
                match crate::tools::ask(req, None, move |a| {
                    link.send_message(crate::app::Msg::Keys(Msg::Answer(n, a)))
                }) {
                    Ok(()) => {
                        self.pending = Some(n);
                        self.status = "Working…".into();
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            Msg::Answer(n, a) => {
                if self.pending != Some(n) {
                    return false;
                }
                self.pending = None;
                match a.text.strip_prefix("error: ") {
                    Some(e) => {
                        self.status.clear();
                        self.error = Some(format!("The keys were refused: {e}."));
                    }
                    None => {
                        self.result = Some(a.text);
                        self.error = None;
                        self.status = format!("Done in {} ms.", a.ms.round() as u64);
                    }
                }
            }
        }
        true
    }

    /// The view, a disclosure closed until a person opens it.
    pub fn view(&self, link: &Scope<App>) -> Html {
        // The same children in every state: a changing number of them would make the
        // renderer rebuild the paste box and lose what was pasted.
        let error = match &self.error {
            Some(e) => format!(r#"<p class="error" role="alert">{}</p>"#, esc(e)),
            None => String::from(r#"<p role="alert"></p>"#),
        };
        el("details")
            .c("keycalc panel")
            .raw(r#"<summary><h2>Key calculator</h2></summary><p>Paste keys, one per line: each key's slot and hash tag, the node of this cluster that serves it, and which keys can go together in one multi-key command.</p>"#.into())
            .k(el("div")
                .c("field")
                .k(el("label").at("for", "kc-keys").t("Keys, one per line").h())
                .k(el("textarea")
                    .at("id", "kc-keys")
                    .at("rows", "6")
                    .at("spellcheck", "false")
                    .r(self.area.clone())
                    .h())
                .h())
            .k(el("button")
                .at("type", "button")
                .c("primary")
                .flag("disabled", self.pending.is_some())
                .click(cb(link, |_| Msg::Run))
                .t("Work out slots")
                .h())
            .raw(format!(
                r#"<p class="compare-status" role="status">{}</p>"#,
                esc(&self.status)
            ))
            .raw(error)
            .k(el("div")
                .c("compare-result")
                .at("role", "region")
                .at("aria-label", "Key calculator result")
                .raw(self.result.clone().unwrap_or_default())
                .h())
            .h()
    }
}
