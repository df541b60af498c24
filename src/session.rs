//! Sessions as files: save the current session (cluster, clients, every step) as a JSON
//! file and open it again at the same moment, or save the log as text. The tools worker
//! ([`crate::tools`]) writes and reads the files from the parts of the link to this
//! moment, so the page carries no JSON code; a save file it reads comes back as the link
//! to its moment, which the page then opens. It lives inside [`crate::app::App`] (its
//! messages travel as `app::Msg::Session`).

use web_sys::{File, HtmlInputElement};
use yew::html::Scope;
use yew::prelude::*;

use crate::app::App;
use crate::h::el;
use crate::tools::Answer;

/// Largest save file read.
const MAX_FILE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// What a person does with sessions, and what the tools answered.
#[derive(Clone)]
pub enum Msg {
    /// Save the session as JSON.
    Save,
    /// Save the log as text.
    SaveLog,
    /// A save file was chosen.
    Open(Event),
    /// The tools' answer to the request with this number.
    Answer(u32, Answer),
}

/// What a request to the tools was for.
#[derive(Clone, Copy)]
enum Job {
    Save,
    Log,
    Open,
}

/// The sessions' state: the request awaited and the last outcome.
#[derive(Default)]
pub struct Session {
    asked: u32,
    pending: Option<(u32, Job)>,
    status: String,
}

fn cb<E: 'static>(link: &Scope<App>, f: impl Fn(E) -> Msg + 'static) -> Callback<E> {
    link.callback(move |e| crate::app::Msg::Session(f(e)))
}

impl Session {
    fn ask(&mut self, link: &Scope<App>, request: String, file: Option<&File>, job: Job) {
        self.asked += 1;
        let (n, link) = (self.asked, link.clone());
        let sent = crate::tools::ask(request, file, move |a| {
            link.send_message(crate::app::Msg::Session(Msg::Answer(n, a)))
        });
        self.status = match sent {
            Ok(()) => {
                self.pending = Some((n, job));
                "Working…".into()
            }
            Err(e) => e,
        };
    }

    /// Applies a message. `moment` is the query string of the link to the current moment.
    pub fn update(&mut self, moment: &str, link: &Scope<App>, msg: Msg) {
        let request = |tool: &str| format!("{tool}\n---\n{moment}");
        match msg {
            Msg::Save => self.ask(link, request("session-save"), None, Job::Save),
            Msg::SaveLog => self.ask(link, request("session-log"), None, Job::Log),
            Msg::Open(e) => {
                let input: HtmlInputElement = e.target_unchecked_into();
                let Some(file) = input.files().and_then(|f| f.get(0)) else {
                    return;
                };
                input.set_value("");
                if file.size() > MAX_FILE_BYTES {
                    self.status = format!(
                        "{} is too large for a save file (at most 64 MiB). Nothing changed.",
                        file.name()
                    );
                } else {
                    self.ask(link, "session-open".into(), Some(&file), Job::Open);
                }
            }
            Msg::Answer(n, a) => {
                let Some((_, job)) = self.pending.take_if(|(id, _)| *id == n) else {
                    return;
                };
                if let Some(e) = a.text.strip_prefix("error: ") {
                    self.status = match job {
                        Job::Open => format!("The file was refused: {e}. Nothing changed."),
                        _ => format!("The file could not be made: {e}."),
                    };
                    return;
                }
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
                };
            }
        }
    }

    /// The three controls and the last outcome (a polite status line).
    pub fn view(&self, link: &Scope<App>) -> Html {
        let busy = self.pending.is_some();
        el("div")
            .c("session")
            .k(crate::app::button("Save session", cb(link, |_| Msg::Save))
                .flag("disabled", busy)
                .h())
            .k(el("label")
                .c("file-button")
                .k(el("span").t("Open a saved session").h())
                .k(el("input")
                    .at("type", "file")
                    .at("accept", ".json,application/json")
                    .flag("disabled", busy)
                    .change(cb(link, Msg::Open))
                    .h())
                .h())
            .k(
                crate::app::button("Save log as text", cb(link, |_| Msg::SaveLog))
                    .flag("disabled", busy)
                    .h(),
            )
            .k(el("p")
                .c("link-status")
                .at("role", "status")
                .s(self.status.clone())
                .h())
            .h()
    }
}
