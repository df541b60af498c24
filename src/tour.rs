//! Guided tours in the page: the "Tours" list near the top and the panel that narrates
//! the tour being taken. The scripts, their captions and the walk through the timeline
//! live in the core ([`slotscope_sim::tour`]); a question's answer is the reply the
//! simulation gives, shown with the core's reason. Its state lives inside
//! [`crate::app::App`] (messages travel as `app::Msg::Tour`).
//!
//! The tours' words (captions and questions) come from the tools module, asked once
//! when a person first starts a tour, so readers who never take one do not download
//! them. The buttons are plain markup naming their message in `data-t`; one click
//! listener per part reads it (rather than a callback per button: a smaller page).

use slotscope_sim::tour::{word, Answer, Guide, TOURS};
use slotscope_sim::world::{Request, Scenario, World};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::html::Scope;
use yew::prelude::*;

use crate::app::App;
use crate::h::el;
use crate::markup::{ce, esc};

/// What a person does with the tours.
#[derive(Clone)]
pub enum Msg {
    /// Shows or hides the list of tours.
    Menu,
    /// Starts tour `n` from its first step.
    Start(usize),
    /// Shows the step before.
    Back,
    /// Plays the next step.
    Next,
    /// Shows the step where the tour was left.
    Resume,
    /// Answers the question with `Answer::ALL[n]`, then plays the step it was about.
    Guess(usize),
    /// Leaves the tour for free play (it can be resumed).
    Leave,
    /// Ends the tour.
    End,
    /// The tools module's answer with the tours' words (or `error: ...`).
    Words(String),
}

impl Msg {
    /// Reads a button's `data-t`: a letter, and a digit for a tour or an answer
    /// (`s2`: start the third tour).
    fn parse(v: &str) -> Option<Msg> {
        let b = v.as_bytes();
        let n = b.get(1).map_or(0, |d| d.wrapping_sub(b'0') as usize);
        Some(match b.first()? {
            b'm' => Msg::Menu,
            b's' => Msg::Start(n),
            b'a' => Msg::Guess(n),
            b'b' => Msg::Back,
            b'n' => Msg::Next,
            b'r' => Msg::Resume,
            b'l' => Msg::Leave,
            _ => Msg::End,
        })
    }
}

/// The tours' state: the list, the tour being taken and the answer given.
#[derive(Default)]
pub struct Tours {
    open: bool,
    /// The tours' words, once the tools module sent them.
    words: String,
    /// The tour to start when the words arrive.
    pending: Option<usize>,
    failed: bool,
    guide: Option<Guide>,
    left: bool,
    guess: Option<Answer>,
    /// What to focus after the next render (its button went away): a selector inside
    /// the panel, or "" for the Tours button.
    focus: Option<&'static str>,
    /// The panel and the Tours button (found without `document`, which does not see
    /// inside an embedded widget's shadow root).
    root: NodeRef,
    menu: NodeRef,
}

/// What the form shows after a tour changed the world: the preset, the first client's
/// policy, and the request sent last.
pub type Form = (Scenario, &'static str, Request);

/// The one click listener of a part: the message of the button clicked, if any.
fn on_click(ctx: &Context<App>) -> Callback<MouseEvent> {
    ctx.link().batch_callback(|e: MouseEvent| {
        let t: Element = e.target_unchecked_into();
        let v = t.closest("[data-t]").ok()??.get_attribute("data-t")?;
        Msg::parse(&v).map(crate::app::Msg::Tour)
    })
}

fn button(t: &str, label: &str, extra: &str) -> String {
    format!(r#"<button type="button" data-t="{t}"{extra}>{label}</button>"#)
}

impl Tours {
    /// Applies a message to the world. Returns the form to show when the tour moved
    /// the world; a refusal by the world is returned as an error.
    pub fn update(
        &mut self,
        m: Msg,
        world: &mut World,
        link: &Scope<App>,
    ) -> Result<Option<Form>, String> {
        let m = match m {
            Msg::Words(text) => {
                self.failed = text.starts_with("error:");
                if !self.failed {
                    self.words = text;
                }
                match self.pending.take() {
                    Some(i) if !self.failed => Msg::Start(i),
                    _ => return Ok(None),
                }
            }
            Msg::Start(i) if self.words.is_empty() => {
                self.open = false;
                self.pending = Some(i);
                self.failed = false;
                let link = link.clone();
                let send = move |a: crate::tools::Answer| {
                    link.send_message(crate::app::Msg::Tour(Msg::Words(a.text)))
                };
                self.failed = crate::tools::ask("tours".into(), None, send).is_err();
                return Ok(None);
            }
            m => m,
        };
        self.focus = Some("#tour-next");
        let at = self.guide.as_ref().map_or(0, |g| g.at);
        let n = match m {
            Msg::Menu => {
                self.open = !self.open;
                self.focus = None;
                return Ok(None);
            }
            Msg::Leave | Msg::End => {
                self.left = true;
                self.focus = Some("h2");
                if let Msg::End = m {
                    self.guide = None;
                    self.focus = Some("");
                }
                return Ok(None);
            }
            Msg::Start(i) => {
                self.open = false;
                self.guide = Guide::start(i, world);
                0
            }
            Msg::Back => at.saturating_sub(1),
            Msg::Resume => at,
            Msg::Next => at + 1,
            _ => {
                self.focus = Some("h2");
                at + 1
            }
        };
        self.guess = match m {
            Msg::Guess(a) => Answer::ALL.get(a).copied(),
            _ => None,
        };
        self.left = false;
        let Some(g) = &mut self.guide else {
            return Ok(None);
        };
        let done = g.go(world, n);
        let t = g.tour();
        done.map(|_| Some((t.scenario, t.policy, g.request())))
    }

    /// Moves the focus after a button that had it went away (falls back to the tour's
    /// heading, for example when Next is disabled at the end).
    pub fn rendered(&mut self) {
        let Some(sel) = self.focus.take() else {
            return;
        };
        let target = if sel.is_empty() {
            self.menu.cast::<Element>()
        } else {
            self.root.cast::<Element>().and_then(|r| {
                r.query_selector(sel)
                    .ok()
                    .flatten()
                    .or_else(|| r.query_selector("h2").ok().flatten())
            })
        };
        if let Some(e) = target {
            let _ = e.unchecked_into::<HtmlElement>().focus();
        }
    }

    /// The "Tours" button and, when open, the list of tours.
    pub fn menu(&self, ctx: &Context<App>) -> Html {
        let mut list = String::new();
        if self.open {
            list.push_str(r#"<ul id="tour-list" class="tour-list panel">"#);
            for (i, t) in TOURS.iter().enumerate() {
                list.push_str(&format!(
                    "<li>{}</li>",
                    button(&format!("s{i}"), t.title, "")
                ));
            }
            list.push_str("</ul>");
        }
        el("div")
            .c("tours")
            .click(on_click(ctx))
            .k(el("button")
                .at("type", "button")
                .r(self.menu.clone())
                .at("data-t", "m")
                .at("aria-expanded", if self.open { "true" } else { "false" })
                .at("aria-controls", "tour-list")
                .t("Tours")
                .h())
            .raw(list)
            .h()
    }

    /// The tour's panel: its step, caption and buttons, or a line to resume it.
    pub fn panel(&self, ctx: &Context<App>, world: &World) -> Html {
        let mut say = String::new();
        let mut rest = String::new();
        let head = match &self.guide {
            None if self.pending.is_none() && !self.failed => return Html::default(),
            None => {
                say.push_str(if self.failed {
                    "<p>The tour's text could not be loaded. Pick the tour again to retry.</p>"
                } else {
                    "<p>Loading the tour…</p>"
                });
                String::from("Tours")
            }
            Some(g) => {
                let t = g.tour();
                let count = format!("tep {} of {}", g.at + 1, t.steps.len());
                if self.left || !g.on_track(world) {
                    say = format!("<p>You left the tour at s{count}: the simulation is yours. Resume returns to that step.</p>");
                    rest = button("r", "Resume tour", "") + &button("e", "End tour", "");
                    format!("Tour paused: {}", t.title)
                } else {
                    self.step_view(g, world, &mut say, &mut rest);
                    say.insert_str(0, &format!(r#"<p class="tour-count">S{count}</p>"#));
                    format!("Tour: {}", t.title)
                }
            }
        };
        el("section")
            .r(self.root.clone())
            .c("tour panel")
            .at("aria-labelledby", "tour-title")
            .click(on_click(ctx))
            .raw(format!(
                r#"<h2 id="tour-title" tabindex="-1">{}</h2>"#,
                esc(&head)
            ))
            // The live region stays in place between steps, so its new text is announced.
            .k(el("div")
                .c("tour-say")
                .at("aria-live", "polite")
                .raw(say)
                .h())
            .raw(format!(r#"<div class="tour-nav">{rest}</div>"#))
            .h()
    }

    /// The step shown: the reveal of the answer, the caption, the next question and
    /// the buttons.
    fn step_view(&self, g: &Guide, world: &World, say: &mut String, rest: &mut String) {
        let (tour, at, words) = (g.tour, g.at, self.words.as_str());
        if let (true, Some(r)) = (g.step().ask, g.reply(world)) {
            if let Some(a) = self.guess {
                let right = Answer::of(r) == Some(a);
                say.push_str(&format!(
                    r#"<p class="tour-verdict {}"><strong>{}</strong> You said {}.</p>"#,
                    if right { "right" } else { "wrong" },
                    if right { "Right." } else { "Not this time." },
                    a.label()
                ));
            }
            say.push_str(&format!(
                r#"<p class="reveal">{} answered <code>{}</code>: {}</p>"#,
                esc(&r.to),
                ce(&r.reply, 80),
                esc(&r.why)
            ));
        }
        say.push_str(&format!("<p>{}</p>", esc(word(words, tour, at).1)));
        if g.asks() {
            rest.push_str(&format!(
                r#"<div class="tour-ask" role="group" aria-labelledby="tour-q"><p id="tour-q"><strong>Predict:</strong> {}</p>"#,
                esc(word(words, tour, at + 1).0)
            ));
            for (i, a) in Answer::ALL.iter().enumerate() {
                rest.push_str(&button(&format!("a{i}"), a.label(), ""));
            }
            rest.push_str("</div>");
        }
        let last = at + 1 >= g.tour().steps.len();
        rest.push_str(&button("b", "Back", if at == 0 { " disabled" } else { "" }));
        rest.push_str(&button(
            "n",
            "Next",
            if last {
                r#" class="primary" disabled"#
            } else {
                r#" class="primary" id="tour-next""#
            },
        ));
        rest.push_str(&button("l", "Leave tour", ""));
    }
}
