//! The comparison view: the same workload under two to four client policies (presets or
//! a policy file) beside a proxy baseline. The runs happen in the tools worker
//! ([`crate::tools`]), so the page stays responsive; this part of the page only
//! collects the choices and shows the answer. It lives inside [`crate::app::App`]
//! (its messages travel as `app::Msg::Compare`).

use slotscope_sim::compare::MAX_POLICIES as MAX;
use slotscope_sim::policy::Policy;
use web_sys::{File, HtmlInputElement, HtmlSelectElement};
use yew::html::Scope;
use yew::prelude::*;

use crate::app::App;
use crate::h::el;
use crate::markup::esc;
use crate::tools::Answer;

/// Largest policy file read.
const MAX_FILE_BYTES: f64 = 64.0 * 1024.0;

/// What a person does in the comparison view.
#[derive(Clone)]
pub enum Msg {
    Toggle(&'static str),
    SetRequests(usize),
    PickFile(Event),
    ClearFile,
    Run,
    /// The tools' answer to the request with this number.
    Answer(u32, Answer),
}

/// What a request to the tools was for.
enum Job {
    /// Checking a policy file.
    Check(File),
    /// Running the comparison.
    Run,
}

/// The comparison view's state.
pub struct Compare {
    chosen: Vec<&'static str>,
    requests: usize,
    /// A policy file that passed the check.
    file: Option<File>,
    /// Requests sent so far: only the latest one's answer is shown.
    asked: u32,
    pending: Option<(u32, Job)>,
    result: Option<String>,
    status: String,
    error: Option<String>,
}

impl Default for Compare {
    fn default() -> Self {
        Compare {
            chosen: vec!["redis-py", "jedis", "go-redis"],
            requests: 1000,
            file: None,
            asked: 0,
            pending: None,
            result: None,
            status: String::new(),
            error: None,
        }
    }
}

fn cb<E: 'static>(link: &Scope<App>, f: impl Fn(E) -> Msg + 'static) -> Callback<E> {
    link.callback(move |e| crate::app::Msg::Compare(f(e)))
}

impl Compare {
    fn taken(&self) -> usize {
        self.chosen.len() + usize::from(self.file.is_some())
    }

    /// Sends `request` to the tools worker.
    fn ask(&mut self, link: &Scope<App>, request: &str, file: Option<&File>, job: Job) {
        self.asked += 1;
        let n = self.asked;
        match crate::tools::ask_app(link, request.to_string(), file, n, |n, a| {
            crate::app::Msg::Compare(Msg::Answer(n, a))
        }) {
            Ok(()) => {
                self.status = match job {
                    Job::Run => "Running…".into(),
                    Job::Check(_) => "Reading the policy file…".into(),
                };
                self.pending = Some((n, job));
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Applies a message; true when the view changed.
    pub fn update(&mut self, link: &Scope<App>, msg: Msg) -> bool {
        match msg {
            Msg::Toggle(id) => {
                if let Some(i) = self.chosen.iter().position(|c| *c == id) {
                    self.chosen.remove(i);
                } else if self.taken() < MAX {
                    self.chosen.push(id);
                }
            }
            Msg::SetRequests(n) => self.requests = n,
            Msg::PickFile(e) => {
                let input: HtmlInputElement = e.target_unchecked_into();
                let Some(file) = input.files().and_then(|f| f.get(0)) else {
                    return false;
                };
                input.set_value("");
                if file.size() > MAX_FILE_BYTES {
                    self.error = Some(format!(
                        "{} is too large for a policy file (at most 64 KiB).",
                        file.name()
                    ));
                } else {
                    self.ask(link, "policy", Some(&file), Job::Check(file.clone()));
                }
            }
            Msg::ClearFile => self.file = None,
            Msg::Run => {
                let mut req = format!("compare\nrequests={}\n", self.requests);
                for id in &self.chosen {
                    req.push_str(&format!("policy={id}\n"));
                }
                let file = self.file.clone();
                self.ask(link, &req, file.as_ref(), Job::Run);
            }
            Msg::Answer(n, a) => {
                let Some((_, job)) = self.pending.take_if(|(id, _)| *id == n) else {
                    return false;
                };
                self.status.clear();
                match (job, a.text.strip_prefix("error: ")) {
                    (Job::Check(file), Some(e)) => {
                        self.error = Some(format!(
                            "{} was refused: {e}. The policies chosen before stay.",
                            file.name()
                        ))
                    }
                    (Job::Check(file), None) => {
                        if self.chosen.len() >= MAX {
                            self.chosen.pop();
                        }
                        self.file = Some(file);
                        self.status = a.text;
                    }
                    (Job::Run, Some(e)) => {
                        self.error = Some(format!("The comparison was refused: {e}."))
                    }
                    (Job::Run, None) => {
                        self.result = Some(a.text);
                        self.status = format!(
                            "Done: the runs took {} ms in this page (in a background worker).",
                            a.ms.round() as u64
                        );
                    }
                }
            }
        }
        true
    }

    /// The view, a disclosure closed until a person opens it.
    pub fn view(&self, link: &Scope<App>) -> Html {
        let taken = self.taken();
        let mut boxes = el("fieldset").c("policies").raw(format!(
            "<legend>Policies to compare (up to {MAX}; {taken} chosen)</legend>"
        ));
        for p in Policy::presets() {
            let id = p.id;
            let on = self.chosen.contains(&id);
            boxes = boxes.k(el("label")
                .c("check")
                .k(el("input")
                    .at("type", "checkbox")
                    .flag("checked", on)
                    .flag("disabled", !on && taken >= MAX)
                    .change(cb(link, move |_: Event| Msg::Toggle(id)))
                    .h())
                .s(p.name.to_string())
                .h());
        }
        let mut file = el("div")
            .c("field file-field")
            .k(el("label")
                .at("for", "cmp-file")
                .t("Add a policy file (JSON: a preset and its knobs)")
                .h())
            .k(el("input")
                .at("id", "cmp-file")
                .at("type", "file")
                .at("accept", ".json,application/json")
                .flag("disabled", self.file.is_none() && taken >= MAX)
                .change(cb(link, Msg::PickFile))
                .h());
        if let Some(f) = &self.file {
            file = file
                .raw(format!(
                    r#"<p class="file-name">Loaded: <code>{}</code></p>"#,
                    esc(&f.name())
                ))
                .k(el("button")
                    .at("type", "button")
                    .click(cb(link, |_| Msg::ClearFile))
                    .t("Remove the policy file")
                    .h());
        }
        let requests = el("div")
            .c("field")
            .k(el("label").at("for", "cmp-requests").t("Requests").h())
            .k(el("select")
                .at("id", "cmp-requests")
                .change(cb(link, |e: Event| {
                    let s: HtmlSelectElement = e.target_unchecked_into();
                    Msg::SetRequests(if s.value() == "10000" { 10_000 } else { 1000 })
                }))
                .raw(format!(
                    r#"<option value="1000"{}>1,000</option><option value="10000"{}>10,000</option>"#,
                    if self.requests == 1000 { " selected" } else { "" },
                    if self.requests == 10_000 { " selected" } else { "" }
                ))
                .h())
            .h();
        let mut out = el("details")
            .c("compare panel")
            .raw(r#"<summary><h2>Compare client policies</h2></summary><p>The same workload under up to four policies, beside a proxy that knows the map (one extra hop, no redirection). Every number comes from running the simulated cluster.</p>"#.into())
            .k(boxes.h())
            .k(file.h())
            .k(el("div")
                .c("compare-run")
                .k(requests)
                .k(el("button")
                    .at("type", "button")
                    .c("primary")
                    .flag("disabled", taken == 0 || self.pending.is_some())
                    .click(cb(link, |_| Msg::Run))
                    .t("Run comparison")
                    .h())
                .h())
            .raw(format!(
                r#"<p class="compare-status" role="status">{}</p>"#,
                esc(&self.status)
            ));
        if let Some(e) = &self.error {
            out = out.raw(format!(r#"<p class="error" role="alert">{}</p>"#, esc(e)));
        }
        if let Some(r) = &self.result {
            out = out.k(el("div")
                .c("compare-result")
                .at("role", "region")
                .at("aria-label", "Comparison result")
                .raw(r.clone())
                .h());
        }
        out.h()
    }
}
