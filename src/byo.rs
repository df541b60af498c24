//! "Your own keys, cluster and sessions": a person pastes keys and sees their slots and
//! the nodes that serve them; pastes `CLUSTER NODES`, `SHARDS` or `SLOTS` output and reads
//! what the simulator built from it; pastes a recorded session and steps through its
//! replay over that cluster; saves the page's session as JSON (or its log as text) and
//! opens a saved one at the same moment. The parsing, the simulation, the files and the
//! markup happen in the tools worker ([`crate::tools`]); this part of the page sends the
//! text and shows the answers, a replay one frame at a time. It lives inside
//! [`crate::app::App`] (its messages travel as `app::Msg::Byo`).

use gloo_timers::callback::Timeout;
use slotscope_sim::slot_overview::overview;
use slotscope_sim::world::World;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::html::Scope;
use yew::prelude::*;

use crate::app::App;
use crate::h::el;
use crate::tools::Answer;

/// Longest paste read (the tools module reads up to 200,000 keys).
const MAX_PASTE_BYTES: usize = 16 << 20;
/// Largest save file read.
const MAX_FILE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;
/// Milliseconds between frames while playing.
const FRAME_MS: u32 = 700;

/// What a request to the tools is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// The key calculator.
    Keys,
    /// The pasted topology's report.
    Topology,
    /// The pasted session replayed over the pasted topology.
    Replay,
    /// The page's session as a JSON save file.
    Save,
    /// The page's log as text.
    Log,
    /// A save file, read back as the link to its moment.
    Open,
}

/// What a person does in the panel.
#[derive(Clone)]
pub enum Msg {
    /// Send a request.
    Ask(Job),
    /// A save file was chosen.
    OpenFile(Event),
    /// The answer to request `n`.
    Answer(u32, Answer),
    /// Show the frame this many steps away (Back -1, Next +1).
    Go(isize),
    /// Play or pause.
    Play,
    /// The next frame while playing.
    Tick,
}

/// The panel's state.
#[derive(Default)]
pub struct Byo {
    /// The paste boxes: read when a person asks, so a long paste is not copied per keystroke.
    keys: NodeRef,
    topo: NodeRef,
    session: NodeRef,
    asked: u32,
    /// The request awaited, and what it is for.
    pending: Option<(u32, Job)>,
    keys_result: String,
    report: String,
    frames: Vec<String>,
    at: usize,
    timer: Option<Timeout>,
    status: String,
    error: Option<String>,
}

fn value(r: &NodeRef) -> String {
    r.cast::<HtmlTextAreaElement>()
        .map(|t| t.value())
        .unwrap_or_default()
}

impl Byo {
    fn tick(&mut self, link: &Scope<App>) {
        self.timer = Some(crate::app::later(
            FRAME_MS,
            link,
            crate::app::Msg::Byo(Msg::Tick),
        ));
    }

    /// The request for `job`: the keys with the slot owners of the cluster on the page,
    /// the pasted topology (and session), or the link to the page's moment.
    fn request(&self, job: Job, world: &World, moment: &dyn Fn() -> String) -> String {
        let mut req = String::new();
        match job {
            // The chosen file is the request's attached text.
            Job::Open => req.push_str("session-open"),
            Job::Save | Job::Log => {
                let tool = if job == Job::Save {
                    "session-save"
                } else {
                    "session-log"
                };
                req = format!("{tool}\n---\n{}", moment());
            }
            Job::Keys => {
                req.push_str("keys\n");
                let names = world.names();
                for (a, b, owner) in overview(world.cluster()).runs {
                    if let Some(name) = owner.and_then(|o| names.get(o as usize)) {
                        req.push_str(&format!("owner={a}-{b} {name}\n"));
                    }
                }
                req.push_str("---\n");
                req.push_str(&value(&self.keys));
            }
            Job::Topology | Job::Replay => {
                let replay = job == Job::Replay;
                req.push_str(if replay { "replay" } else { "topology" });
                req.push_str("\n---\n");
                req.push_str(&value(&self.topo));
                if replay {
                    req.push_str("\n\u{1d}\n");
                    req.push_str(&value(&self.session));
                }
            }
        }
        req
    }

    /// Applies a message; true when the view changed. `moment` gives the query string of
    /// the link to the page's current moment (worked out only for a save file).
    pub fn update(
        &mut self,
        link: &Scope<App>,
        world: &World,
        moment: &dyn Fn() -> String,
        msg: Msg,
    ) -> bool {
        let last = self.frames.len().saturating_sub(1);
        let mut file = None;
        let job = match msg {
            Msg::Ask(job) => Some(job),
            Msg::OpenFile(ref e) => {
                let input: HtmlInputElement = e.target_unchecked_into();
                file = input.files().and_then(|f| f.get(0));
                input.set_value("");
                file.as_ref().map(|_| Job::Open)
            }
            _ => None,
        };
        match msg {
            Msg::Ask(_) | Msg::OpenFile(_) => {
                let Some(job) = job else {
                    return false;
                };
                let req = self.request(job, world, moment);
                if req.len() > MAX_PASTE_BYTES
                    || file.as_ref().is_some_and(|f| f.size() > MAX_FILE_BYTES)
                {
                    self.error = Some(
                        "Too large: paste less than 16 MiB, or open a file under 64 MiB.".into(),
                    );
                    return true;
                }
                self.asked += 1;
                let n = self.asked;
                match crate::tools::ask_app(link, req, file.as_ref(), n, |n, a| {
                    crate::app::Msg::Byo(Msg::Answer(n, a))
                }) {
                    Ok(()) => {
                        self.pending = Some((n, job));
                        self.status = "Working…".into();
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            Msg::Answer(n, a) => {
                let Some((_, job)) = self.pending.take_if(|(id, _)| *id == n) else {
                    return false;
                };
                self.status.clear();
                if let Some(e) = a.text.strip_prefix("error: ") {
                    let what = match job {
                        Job::Keys => "The keys were refused",
                        Job::Topology => "Topology refused",
                        Job::Replay => "Session refused",
                        Job::Open => "The file was refused",
                        _ => "The file could not be made",
                    };
                    self.error = Some(format!("{what}: {e}. Nothing changed."));
                    return true;
                }
                let done = format!("Done in {} ms.", a.ms.round() as u64);
                self.status = match job {
                    Job::Save => {
                        crate::dom::download(&a.text, "slotscope-session.json");
                        "Session saved as slotscope-session.json.".into()
                    }
                    Job::Log => {
                        crate::dom::download(&a.text, "slotscope-log.txt");
                        "Log saved as slotscope-log.txt.".into()
                    }
                    Job::Open => {
                        crate::dom::open_query(&a.text);
                        "Opening the session…".into()
                    }
                    Job::Keys => {
                        self.keys_result = a.text;
                        done
                    }
                    Job::Topology => {
                        self.report = a.text;
                        self.frames.clear();
                        self.timer = None;
                        done
                    }
                    Job::Replay => {
                        self.frames = a.text.split('\u{1e}').map(String::from).collect();
                        self.at = 0;
                        self.timer = None;
                        done
                    }
                };
            }
            Msg::Go(d) => {
                self.timer = None;
                self.at = self.at.saturating_add_signed(d).min(last);
            }
            Msg::Play => {
                if self.timer.take().is_none() {
                    if self.at >= last {
                        self.at = 0;
                    }
                    self.tick(link);
                }
            }
            Msg::Tick => {
                self.timer = None;
                if self.at < last {
                    self.at += 1;
                    if self.at < last {
                        self.tick(link);
                    }
                }
            }
        }
        true
    }

    /// The view, a disclosure closed until a person opens it. `sessions`: the save-file
    /// controls, on the app's own page only (opening a save file opens its link).
    pub fn view(&self, ctx: &Context<App>, sessions: bool) -> Html {
        // The same children in every state: a changing number of them would make the
        // renderer rebuild the paste boxes and lose what was pasted.
        let area = |id: &'static str, label: &'static str, r: &NodeRef| {
            el("div")
                .c("field")
                .k(el("label").a("for", id.into()).t(label).h())
                .k(el("textarea")
                    .a("id", id.into())
                    .at("rows", "6")
                    .at("spellcheck", "false")
                    .r(r.clone())
                    .h())
                .h()
        };
        let button = |label: &'static str, msg: Msg, off: bool| {
            el("button")
                .at("type", "button")
                .flag("disabled", off)
                .click(crate::app::click(ctx, crate::app::Msg::Byo(msg)))
                .t(label)
                .h()
        };
        let region = |label: &'static str, html: &str| {
            el("div")
                .c("compare-result")
                .at("role", "region")
                .at("aria-label", label)
                .raw(html.to_string())
                .h()
        };
        let busy = self.pending.is_some();
        let n = self.frames.len();
        let title = "Your own keys, cluster and sessions";
        // A landmark around the disclosure (the page's main region does not hold the panels).
        el("section")
            .a("aria-label", title.into())
            .k(el("details")
                .c("byo panel")
                .raw(format!("<summary><h2>{title}</h2></summary><h3>Key calculator</h3><p>Each key's slot, hash tag and node (of the cluster on this page), and which keys may share a multi-key command.</p>"))
                .k(area("kc-keys", "Keys, one per line", &self.keys))
                .k(button("Work out slots", Msg::Ask(Job::Keys), busy))
                .raw("<h3>Your cluster</h3><p>The simulator builds the cluster a node printed, and replays a session recorded on it, marking each reply that differs.</p>".into())
                .k(area(
                    "byo-topo",
                    "Topology (CLUSTER NODES, SHARDS or SLOTS output)",
                    &self.topo,
                ))
                .k(button("Load topology", Msg::Ask(Job::Topology), busy))
                .k(area(
                    "byo-session",
                    "Session (redis-cli -c transcript or JSONL script)",
                    &self.session,
                ))
                .k(button("Replay session", Msg::Ask(Job::Replay), busy))
                .k(if !sessions {
                    Html::default()
                } else {
                    el("div")
                    .raw("<h3>This page's session</h3>".into())
                    .k(el("div")
                    .c("byo-nav")
                    .k(button("Save session", Msg::Ask(Job::Save), busy))
                    .k(el("label")
                        .c("file-button")
                        .k(el("span").t("Open a saved session").h())
                        .k(el("input")
                            .at("type", "file")
                            .at("accept", ".json,application/json")
                            .flag("disabled", busy)
                            .change(ctx.link().callback(|e| crate::app::Msg::Byo(Msg::OpenFile(e))))
                            .h())
                        .h())
                    .k(button("Save log as text", Msg::Ask(Job::Log), busy))
                    .h())
                    .h()
                })
                .k(el("p")
                    .c("compare-status")
                    .at("role", "status")
                    .s(self.status.clone())
                    .h())
                .k(el("p")
                    .c(if self.error.is_some() { "error" } else { "" })
                    .at("role", "alert")
                    .s(self.error.clone().unwrap_or_default())
                    .h())
                .k(region("Key calculator result", &self.keys_result))
                .k(el("div")
                    .c("byo-replay")
                    .at("role", "region")
                    .at("aria-label", "Session replay")
                    .flag("hidden", n == 0)
                    .k(el("div")
                        .c("byo-nav")
                        .k(button("Back", Msg::Go(-1), self.at == 0))
                        .k(button("Next", Msg::Go(1), self.at + 1 >= n))
                        .k(button(
                            if self.timer.is_some() {
                                "Pause"
                            } else {
                                "Play"
                            },
                            Msg::Play,
                            n < 2,
                        ))
                        .h())
                    .raw(self.frames.get(self.at).cloned().unwrap_or_default())
                    .h())
                .k(region("Topology report", &self.report))
                .h())
            .h()
    }
}
