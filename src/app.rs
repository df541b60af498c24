//! The root component: owns the simulation, the request form and the playback state.

use gloo_timers::callback::Timeout;
use slotscope_sim::policy::Policy;
use slotscope_sim::smart_client::Counters;
use slotscope_sim::world::{
    Action, EntryKind, LogEntry, Request, Scenario, World, MAX_CLIENTS, MAX_KEY_BYTES,
};
use slotscope_sim::NodeIdx;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use yew::virtual_dom::Key;

use crate::h::{el, El};
use crate::markup::{self, ce, esc};
use crate::text::{group, short_reply};
use crate::url::{resolve, Notice};

/// Most log entries rendered; older ones are summarized in one line (the timeline reaches
/// them). Sixty entries are about fifteen requests; rendering more makes a long jump on
/// the timeline slower than a frame.
pub const LOG_SHOWN: usize = 60;

/// The command a person picks in the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Get,
    Set,
    Del,
    Mget,
}

impl Command {
    const ALL: [Command; 4] = [Command::Get, Command::Set, Command::Del, Command::Mget];

    fn id(self) -> &'static str {
        match self {
            Command::Get => "GET",
            Command::Set => "SET",
            Command::Del => "DEL",
            Command::Mget => "MGET",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Command::Get => "GET key",
            Command::Set => "SET key value",
            Command::Del => "DEL key",
            Command::Mget => "MGET key [key ...]",
        }
    }

    fn parse(s: &str) -> Command {
        Command::ALL
            .into_iter()
            .find(|c| c.id() == s)
            .unwrap_or(Command::Get)
    }
}

/// How fast Play and Send advance: 0.25x to 8x in doubling steps (1x = one hop a
/// second), or every hop at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speed {
    /// `2^(n-2)` times normal speed, n in 0..=5 (0.25x to 8x).
    Times(u8),
    Instant,
}

impl Speed {
    const ALL: [Speed; 7] = [
        Speed::Times(0),
        Speed::Times(1),
        Speed::Times(2),
        Speed::Times(3),
        Speed::Times(4),
        Speed::Times(5),
        Speed::Instant,
    ];
    const NORMAL: Speed = Speed::Times(2);

    fn id(self) -> &'static str {
        match self {
            Speed::Times(0) => "0.25x",
            Speed::Times(1) => "0.5x",
            Speed::Times(2) => "1x",
            Speed::Times(3) => "2x",
            Speed::Times(4) => "4x",
            Speed::Times(_) => "8x",
            Speed::Instant => "instant",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Speed::Times(0) => "0.25× (4 s per hop)",
            Speed::Times(1) => "0.5× (2 s per hop)",
            Speed::Times(2) => "1× (1 s per hop)",
            Speed::Times(3) => "2× (0.5 s per hop)",
            Speed::Times(4) => "4× (0.25 s per hop)",
            Speed::Times(_) => "8× (0.125 s per hop)",
            Speed::Instant => "Instant",
        }
    }

    /// Milliseconds between hops while playing.
    fn hop_ms(self) -> u32 {
        match self {
            Speed::Times(n) => 4000 >> n.min(5),
            Speed::Instant => 0,
        }
    }

    fn parse(s: &str) -> Speed {
        Speed::ALL
            .into_iter()
            .find(|x| x.id() == s)
            .unwrap_or(Speed::NORMAL)
    }
}

/// What the page opens with.
#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    /// A query string such as `?scenario=ask&key=foo` (the page passes `location.search`).
    #[prop_or_default]
    pub query: AttrValue,
    /// Keep the address bar in step with the scenario and key (history.replaceState).
    #[prop_or_default]
    pub sync_url: bool,
}

/// Everything a person can do.
#[derive(Clone)]
pub enum Msg {
    SetScenario(Scenario),
    SetKey(String),
    SetCommand(Command),
    SetValue(String),
    SetMore(String),
    SetSpeed(Speed),
    Send,
    Step,
    TogglePlay,
    Tick,
    Back,
    Forward,
    /// Go to this step of the timeline.
    Seek(usize),
    Reset,
    ToggleNode(NodeIdx),
    CloseNode,
    Act(Action),
    SetPolicy(String),
    SetNewPolicy(String),
    AddClient,
    SelectClient(usize),
    DismissNotice(usize),
    DismissError,
    /// One step on: Forward after going back, else Step (Space, →, Page Down).
    Next,
    /// Open the keyboard shortcut sheet.
    OpenKeys,
    /// Copy a link to this moment to the clipboard.
    CopyLink,
    /// Whether the clipboard took the link.
    Copied(bool),
    /// Rewrite the address bar to this moment.
    SyncUrl,
    WarmUp,
    Compare(crate::compare::Msg),
    Byo(crate::byo::Msg),
    SlotMap(crate::slotmap::Msg),
    Tour(crate::tour::Msg),
}

/// The root component. The core's [`World`] records every step, so Back, Forward and
/// the timeline slider move through history, and acting after going back starts a new
/// branch.
pub struct App {
    world: World,
    /// The first client's policy for Reset (from the address, then the picker).
    policy: &'static str,
    /// The seed of the clients' random choices (from the address; Reset keeps it).
    seed: u64,
    /// The policy the "Add client" control will give the next client.
    new_policy: String,
    names: Vec<String>,
    scenario: Scenario,
    key: String,
    command: Command,
    value: String,
    more: String,
    speed: Speed,
    playing: bool,
    timer: Option<Timeout>,
    selected: Option<NodeIdx>,
    focus_details: bool,
    notices: Vec<Notice>,
    error: Option<String>,
    hops_played: u64,
    /// The rendered tail of the log: (absolute index, class, inner HTML).
    log_html: Vec<(usize, AttrValue, AttrValue)>,
    log_total: usize,
    details_heading: NodeRef,
    node_buttons: Vec<NodeRef>,
    sync_url: bool,
    /// The address bar is behind the current moment (rewritten shortly, at most a few
    /// times a second).
    url_dirty: bool,
    url_timer: Option<Timeout>,
    /// What "Copy link" last did (a polite status line).
    link_status: &'static str,
    /// The link, shown in a text field when the clipboard refused it.
    link_shown: Option<String>,
    focus_link: bool,
    /// The app's root element.
    root: NodeRef,
    /// Keyboard shortcuts and their sheet.
    keys: crate::keys::Keys,
    /// The root element's classes: the display mode (see [`crate::mode`]).
    mode_class: AttrValue,
    /// The comparison view (runs in the tools worker).
    compare: crate::compare::Compare,
    /// Your own keys, cluster and sessions: the key calculator, a pasted topology and a
    /// recorded session, save files (run in the tools worker).
    byo: crate::byo::Byo,
    /// The map of all 16384 slots (cursor and chosen range).
    slotmap: crate::slotmap::SlotMap,
    /// The guided tours.
    tour: crate::tour::Tours,
}

/// A timer that sends `msg` to the app after `ms` milliseconds (one copy of the timer
/// code for every timer of the page). Dropping it cancels it.
pub(crate) fn later(ms: u32, link: &yew::html::Scope<App>, msg: Msg) -> Timeout {
    let link = link.clone();
    Timeout::new(ms, move || link.send_message(msg))
}

/// One click handler shape for every button (keeps the WebAssembly small).
pub(crate) fn click(ctx: &Context<App>, msg: Msg) -> Callback<MouseEvent> {
    ctx.link().callback(move |_| msg.clone())
}

impl App {
    fn fresh_world(scenario: Scenario, key: &str, policy: &str, seed: u64) -> World {
        let key = if key.len() > MAX_KEY_BYTES { "" } else { key };
        // The policy was checked against the core's presets when it was chosen.
        World::preset(scenario, key, policy, seed).unwrap_or_else(|_| World::new(scenario, key))
    }

    /// Re-reads what depends on the world after it changed.
    fn world_changed(&mut self) {
        let log = self.world.log();
        let start = log.len().saturating_sub(LOG_SHOWN);
        let base = self.world.dropped_entries();
        self.log_html = log[start..]
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (class, inner) = markup::log_entry(e);
                (base + start + i, class.into(), inner.into())
            })
            .collect();
        self.log_total = base + log.len();
        self.names = self.world.names().to_vec();
        self.update_url();
        if self.node_buttons.len() != self.names.len() {
            self.node_buttons = self.names.iter().map(|_| NodeRef::default()).collect();
        }
    }

    fn request(&self) -> Request {
        match self.command {
            Command::Get => Request::Get(self.key.clone()),
            Command::Set => Request::Set(self.key.clone(), self.value.clone()),
            Command::Del => Request::Del(self.key.clone()),
            Command::Mget => {
                let mut keys = vec![self.key.clone()];
                keys.extend(self.more.split_whitespace().map(str::to_string));
                Request::Mget(keys)
            }
        }
    }

    /// Starts the form's request. Returns false (and shows why) when the core refuses.
    fn start_request(&mut self) -> bool {
        match self.world.send(self.request()) {
            Ok(()) => {
                self.error = None;
                true
            }
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }

    fn step_once(&mut self) {
        if self.world.step() {
            self.hops_played += 1;
        }
    }

    fn pause(&mut self) {
        self.playing = false;
        self.timer = None;
    }

    /// Plays the rest of the request in flight at the chosen speed.
    fn autoplay(&mut self, ctx: &Context<Self>) {
        if !self.world.busy() {
            self.pause();
            return;
        }
        if self.speed == Speed::Instant {
            while self.world.busy() {
                self.step_once();
            }
            self.pause();
            return;
        }
        self.playing = true;
        self.timer = Some(later(self.speed.hop_ms(), ctx.link(), Msg::Tick));
    }

    /// Moves through the recorded history (Back, Forward, the timeline slider).
    fn travel(&mut self, go: impl FnOnce(&mut World)) {
        self.pause();
        go(&mut self.world);
        self.error = None;
        self.world_changed();
    }

    fn rebuild(&mut self) {
        self.pause();
        self.world = Self::fresh_world(self.scenario, &self.key, self.policy, self.seed);
        self.error = None;
        self.world_changed();
    }

    /// Marks the address bar as behind (see `rendered`).
    fn update_url(&mut self) {
        self.url_dirty = self.sync_url;
    }

    /// The query string of a link to the current moment.
    fn link_query(&self) -> String {
        moment_query(&self.world, &self.key)
    }

    fn name(&self, n: NodeIdx) -> String {
        self.names
            .get(n as usize)
            .cloned()
            .unwrap_or_else(|| format!("Node {}", n + 1))
    }

    /// Shows `r` in the request form (a tour sent it).
    fn show_request(&mut self, r: Request) {
        let (command, key) = match r {
            Request::Get(k) => (Command::Get, k),
            Request::Set(k, v) => {
                self.value = v;
                (Command::Set, k)
            }
            Request::Del(k) => (Command::Del, k),
            Request::Mget(ks) => {
                self.more = ks.get(1..).unwrap_or_default().join(" ");
                (Command::Mget, ks.into_iter().next().unwrap_or_default())
            }
        };
        self.command = command;
        self.key = key;
    }

    /// The newest client hop in the log (what the message animation shows).
    fn last_hop(&self) -> Option<&LogEntry> {
        self.world
            .log()
            .iter()
            .rev()
            .find(|e| e.kind == EntryKind::Hop)
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = AppProps;

    fn create(ctx: &Context<Self>) -> Self {
        let props = ctx.props();
        let pairs = crate::url::parse_query(&props.query);
        let mut start = resolve(&pairs, props.sync_url);
        let world = crate::url::open(&mut start);
        let mode = crate::mode::resolve(&pairs, !props.sync_url);
        start.notices.extend(mode.notices);
        for n in &start.notices {
            crate::dom::warn(&format!(
                "slotscope: URL parameter \"{}\" not used: {}",
                n.param, n.text
            ));
        }
        let mut app = App {
            world,
            policy: start.policy,
            seed: start.seed,
            new_policy: "jedis".into(),
            names: Vec::new(),
            scenario: start.scenario,
            key: start.input.unwrap_or(start.key),
            command: Command::Get,
            value: "Grace".into(),
            more: String::new(),
            speed: Speed::NORMAL,
            playing: false,
            timer: None,
            selected: None,
            focus_details: false,
            notices: start.notices,
            error: None,
            hops_played: 0,
            log_html: Vec::new(),
            log_total: 0,
            details_heading: NodeRef::default(),
            node_buttons: Vec::new(),
            sync_url: props.sync_url,
            url_dirty: false,
            url_timer: None,
            link_status: "",
            link_shown: None,
            focus_link: false,
            root: NodeRef::default(),
            keys: Default::default(),
            mode_class: mode.class.into(),
            compare: Default::default(),
            byo: Default::default(),
            slotmap: Default::default(),
            tour: Default::default(),
        };
        app.world_changed();
        app.url_dirty = false;
        app
    }
    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::SetScenario(s) => {
                self.scenario = s;
                self.key = s.default_key().to_string();
                self.selected = None;
                self.rebuild();
                self.update_url();
            }
            Msg::SetKey(k) => {
                self.key = k;
                self.error = None;
                self.update_url();
            }
            Msg::SetCommand(c) => self.command = c,
            Msg::SetValue(v) => self.value = v,
            Msg::SetMore(v) => self.more = v,
            Msg::SetSpeed(s) => {
                self.speed = s;
                if self.playing {
                    self.autoplay(ctx);
                }
            }
            Msg::Send => {
                self.pause();
                // A request still in flight is played to its end first.
                while self.world.busy() {
                    self.step_once();
                }
                if self.start_request() {
                    // The first hop shows at once; the rest follow at the chosen speed.
                    self.step_once();
                    self.autoplay(ctx);
                }
                self.world_changed();
            }
            Msg::Step => {
                self.pause();
                if self.world.busy() || self.start_request() {
                    self.step_once();
                }
                self.world_changed();
            }
            Msg::TogglePlay => {
                if self.playing {
                    self.pause();
                } else {
                    if !self.world.busy() {
                        if !self.start_request() {
                            return true;
                        }
                        self.step_once();
                    }
                    self.autoplay(ctx);
                    self.world_changed();
                }
            }
            Msg::Tick => {
                self.timer = None;
                if !self.playing {
                    return false;
                }
                self.step_once();
                self.autoplay(ctx);
                self.world_changed();
            }
            Msg::Back => self.travel(|w| {
                w.back();
            }),
            Msg::Forward => self.travel(|w| {
                w.forward();
            }),
            Msg::Seek(n) => self.travel(|w| w.seek(n)),
            Msg::Reset => {
                self.rebuild();
            }
            Msg::ToggleNode(n) => {
                if self.selected == Some(n) {
                    self.selected = None;
                } else {
                    self.selected = Some(n);
                    self.focus_details = true;
                }
            }
            Msg::CloseNode => {
                if let Some(n) = self.selected.take() {
                    if let Some(b) = self
                        .node_buttons
                        .get(n as usize)
                        .and_then(|r| r.cast::<HtmlElement>())
                    {
                        let _ = b.focus();
                    }
                }
            }
            Msg::Act(action) => {
                match self.world.act(action) {
                    Ok(()) => self.error = None,
                    Err(e) => self.error = Some(e),
                }
                self.world_changed();
            }
            Msg::SetPolicy(id) => {
                let i = self.world.active_client();
                match self.world.set_policy(i, &id) {
                    Ok(()) => {
                        self.error = None;
                        if i == 0 {
                            self.policy = self.world.clients()[0].policy_id;
                        }
                    }
                    Err(e) => self.error = Some(e),
                }
                self.world_changed();
            }
            Msg::SetNewPolicy(id) => self.new_policy = id,
            Msg::AddClient | Msg::SelectClient(_) => {
                self.pause();
                // A request still in flight is played to its end first.
                while self.world.busy() {
                    self.step_once();
                }
                let done = match msg {
                    Msg::SelectClient(i) => self.world.select_client(i),
                    _ => self.world.add_client(&self.new_policy).map(|_| ()),
                };
                match done {
                    Ok(()) => self.error = None,
                    Err(e) => self.error = Some(e),
                }
                self.world_changed();
            }
            Msg::DismissNotice(i) => {
                if i < self.notices.len() {
                    self.notices.remove(i);
                }
            }
            Msg::DismissError => self.error = None,
            Msg::Next => {
                let msg = if self.world.can_forward() {
                    Msg::Forward
                } else {
                    Msg::Step
                };
                return Component::update(self, ctx, msg);
            }
            Msg::OpenKeys => {
                self.keys.open();
                return false;
            }
            Msg::CopyLink => {
                let link = format!("{}?{}", crate::dom::page_address(), self.link_query());
                self.link_shown = None;
                self.link_status = "";
                crate::dom::copy_text(&link, ctx.link().callback(Msg::Copied));
                self.link_shown = Some(link);
                return false;
            }
            Msg::Copied(ok) => {
                if ok {
                    self.link_status = "Link copied.";
                    self.link_shown = None;
                } else {
                    self.link_status =
                        "The browser did not allow copying: the link is in the box below, selected, ready to copy.";
                    self.focus_link = true;
                }
            }
            Msg::SyncUrl => {
                self.url_timer = None;
                if self.url_dirty {
                    self.url_dirty = false;
                    crate::dom::replace_query(&self.link_query());
                }
                return false;
            }
            Msg::Compare(m) => return self.compare.update(ctx.link(), m),
            Msg::Byo(m) => {
                // Borrows only the world and the key box, so the panel can change meanwhile.
                let (world, key) = (&self.world, &self.key);
                return self
                    .byo
                    .update(ctx.link(), world, &|| moment_query(world, key), m);
            }
            Msg::SlotMap(m) => return self.slotmap.update(m),
            Msg::Tour(m) => {
                let form = self.tour.update(m, &mut self.world, ctx.link());
                if let Ok(None) = form {
                    return true;
                }
                self.pause();
                self.error = None;
                match form {
                    Ok(Some((scenario, policy, req))) => {
                        self.scenario = scenario;
                        self.policy = policy;
                        self.show_request(req);
                        self.update_url();
                    }
                    Err(e) => self.error = Some(e),
                    _ => {}
                }
                self.world_changed();
            }
            Msg::WarmUp => {
                // Play the form's request once on a copy and build its view, so the
                // browser has compiled that code before the first real Send (lazy
                // compilation made the first click several times slower than later ones).
                let mut copy = self.world.clone();
                if copy.send(self.request()).is_ok() {
                    copy.finish();
                }
                let saved = std::mem::replace(&mut self.world, copy);
                self.selected = Some(0);
                self.world_changed();
                let _ = Component::view(self, ctx);
                self.selected = None;
                self.world = saved;
                self.world_changed();
                return false;
            }
        }
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        self.tour.rendered();
        if self.url_dirty && self.url_timer.is_none() {
            self.url_timer = Some(later(250, ctx.link(), Msg::SyncUrl));
        }
        if !self.sync_url {
            if let Some(root) = self.root.cast::<web_sys::Element>() {
                crate::dom::unname_landmarks(&root);
            }
        }
        if std::mem::take(&mut self.focus_link) {
            crate::dom::select_field("share-link");
        }
        if first_render {
            // Shortcuts and links belong to the page; widgets on a host page have neither.
            if self.sync_url {
                self.keys.listen(ctx.link());
            }
            later(0, ctx.link(), Msg::WarmUp).forget();
        }
        if self.focus_details {
            self.focus_details = false;
            if let Some(h) = self.details_heading.cast::<HtmlElement>() {
                let _ = h.focus();
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let kv = self.world.key_view(&self.key);
        let hidden = self.log_total - self.log_html.len();
        let mut log = el("ol").c("log");
        for (i, class, inner) in &self.log_html {
            log = log.k(el("li")
                .key(Key::from(*i))
                .a("class", class.clone())
                .at("data-log-entry", "")
                .k(Html::from_html_unchecked(inner.clone()))
                .h());
        }
        let mut console = el("section")
            .c("console")
            .at("aria-labelledby", "log-title")
            .raw(r#"<h2 id="log-title">Log</h2>"#.into());
        if hidden > 0 {
            console = console.raw(format!(
                r#"<p class="log-hidden">{} earlier entries hidden</p>"#,
                group(hidden)
            ));
        }
        el("div")
            .r(self.root.clone())
            .a("class", self.mode_class.clone())
            .k(el("header")
                .c("top")
                .raw(r#"<div class="brand"><h1>slotscope</h1><p class="tagline">Redis Cluster redirection, step by step: watch a smart client find the node that serves a key.</p></div>"#.into())
                .k(self.view_scenario(ctx))
                .k(self.tour.menu(ctx))
                .h())
            .k(self.tour.panel(ctx, &self.world))
            .k(self.view_notices(ctx))
            .k(el("section")
                .c("lesson")
                .at("aria-labelledby", "lesson-title")
                .raw(markup::LESSON.into())
                .h())
            // One main landmark per page: widgets on a host page are not the page's main.
            .k(el(if self.sync_url { "main" } else { "div" })
                .c("layout")
                .k(el("section")
                    .c("stage")
                    .at("aria-label", "Client and cluster")
                    .k(self.view_client(ctx, kv.slot, kv.keeps_map))
                    .k(self.view_lane())
                    .k(self.view_nodes(ctx))
                    .k(self.slotmap.view(ctx, &self.world, kv.slot))
                    .h())
                .k(el("section")
                    .c("side")
                    .at("aria-label", "Request and controls")
                    .k(self.view_form(ctx, markup::key_panel(&self.key, &kv, &self.names)))
                    .k(self.view_controls(ctx))
                    .k(self.view_details(ctx, kv.slot))
                    .h())
                // The box lists its content bottom-up (CSS column-reverse), so it stays
                // scrolled to the newest line without script reading the layout.
                .k(console
                    .k(el("div")
                        .c("log-box")
                        .at("tabindex", "0")
                        .at("role", "log")
                        .at("aria-live", "polite")
                        .at("aria-label", "Log, newest at the bottom")
                        .k(log.h())
                        .h())
                    .h())
                .h())
            .k(self.compare.view(ctx.link()))
            .k(self.byo.view(ctx, self.sync_url))
            .k(if self.sync_url {
                self.keys.view()
            } else {
                Html::default()
            })
            .k(el("footer").c("foot").raw(markup::FOOTER.into()).h())
            .h()
    }
}

/// `<option>`s for a `<select>`, the current one selected.
fn options<T: Copy + PartialEq>(
    all: &[T],
    current: T,
    id: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> String {
    let mut s = String::new();
    for &x in all {
        s.push_str(&format!(
            r#"<option value="{}"{}>{}</option>"#,
            id(x),
            if x == current { " selected" } else { "" },
            esc(label(x))
        ));
    }
    s
}

/// A labelled `<select>`.
fn select(
    id: &'static str,
    label: &'static str,
    class: &'static str,
    options: String,
    cb: Callback<Event>,
) -> Html {
    el("div")
        .c(class)
        .k(el("label").at("for", id).t(label).h())
        .k(el("select").at("id", id).change(cb).raw(options).h())
        .h()
}

/// A text box (labelled by [`field`]).
fn text_box(id: &'static str, value: &str, cb: Callback<InputEvent>) -> El {
    el("input")
        .at("id", id)
        .at("type", "text")
        .at("autocomplete", "off")
        .at("autocapitalize", "off")
        .at("spellcheck", "false")
        .value(value)
        .input(cb)
}

fn field(class: &'static str, id: &'static str, label: &'static str, input: Html) -> Html {
    el("div")
        .c(class)
        .k(el("label").at("for", id).t(label).h())
        .k(input)
        .h()
}

pub(crate) fn button(label: &'static str, cb: Callback<MouseEvent>) -> El {
    el("button").at("type", "button").click(cb).t(label)
}

impl App {
    fn view_scenario(&self, ctx: &Context<Self>) -> Html {
        select(
            "scenario",
            "Scenario",
            "field scenario-field",
            options(&Scenario::ALL, self.scenario, Scenario::id, Scenario::title),
            ctx.link().callback(|e: Event| {
                let s: HtmlSelectElement = e.target_unchecked_into();
                Msg::SetScenario(Scenario::parse(&s.value()).unwrap_or(Scenario::Moved))
            }),
        )
    }

    fn view_notices(&self, ctx: &Context<Self>) -> Html {
        if self.notices.is_empty() {
            return Html::default();
        }
        let mut out = el("div").c("notices").at("role", "status");
        for (i, n) in self.notices.iter().enumerate() {
            out = out.k(el("div")
                .c("notice")
                .raw(format!("<p><strong>Notice: </strong>{}</p>", esc(&n.text)))
                .k(button("Dismiss", click(ctx, Msg::DismissNotice(i)))
                    .c("ghost")
                    .h())
                .h());
        }
        out.h()
    }

    fn view_client(&self, ctx: &Context<Self>, key_slot: u16, keeps_map: bool) -> Html {
        let fresh = self.world.map_up_to_date();
        let clients = self.world.clients();
        let Some(client) = clients.get(self.world.active_client()) else {
            return Html::default();
        };
        let mut opts = String::new();
        for p in Policy::presets() {
            opts.push_str(&format!(
                r#"<option value="{}"{}>{} ({})</option>"#,
                esc(p.id),
                if p.id == client.policy_id {
                    " selected"
                } else {
                    ""
                },
                esc(p.name),
                esc(p.library)
            ));
        }
        let picker = el("div")
            .c("field policy-field")
            .k(el("label").at("for", "policy").t("Client policy").h())
            .k(el("select")
                .at("id", "policy")
                .at("aria-describedby", "policy-info")
                .change(ctx.link().callback(|e: Event| {
                    let s: HtmlSelectElement = e.target_unchecked_into();
                    Msg::SetPolicy(s.value())
                }))
                .raw(opts)
                .h())
            .h();
        let mut info = format!(
            r#"<div id="policy-info" class="policy-info"><p class="policy">{}</p>"#,
            esc(client.summary)
        );
        if !client.deviations.is_empty() {
            info.push_str(&format!(
                r#"<p class="deviations"><span class="lbl">Model limits: </span>{}</p>"#,
                esc(client.deviations)
            ));
        }
        info.push_str("</div>");
        info.push_str(&counters_table(&client.counters));
        // A client that keeps no slot map has no map state, map table or refresh either.
        let (state, mark, says) = match (!keeps_map, fresh) {
            (true, _) => ("", "", "Map: none, each request starts at its first node"),
            (_, true) => ("fresh", "✓ ", "Map: up to date"),
            _ => ("outdated", "⚠ ", "Map: outdated"),
        };
        let body = format!(
            r#"<div class="client-head">{}<div><h2 id="client-title">{}</h2><p class="mapstate {state}"><span aria-hidden="true">{mark}</span>{says}</p></div></div>"#,
            markup::ICON_CLIENT,
            esc(&client.name),
        );
        let map = format!(
            r#"<div class="map-wrap" tabindex="0" role="region" aria-label="The client's slot map"{}>{}</div>"#,
            if keeps_map { "" } else { " hidden" },
            markup::map_table(&self.world.map(), key_slot, &self.names)
        );
        let mut tabs = el("div").c("clients").at("role", "group").at(
            "aria-label",
            "Clients: the chosen one sends and its map is shown",
        );
        for (i, c) in clients.iter().enumerate() {
            let on = i == self.world.active_client();
            tabs = tabs.k(el("button")
                .at("type", "button")
                .c(if on { "client-tab on" } else { "client-tab" })
                .at("aria-pressed", if on { "true" } else { "false" })
                .click(click(ctx, Msg::SelectClient(i)))
                .s(c.name.clone())
                .h());
        }
        let mut add_opts = String::new();
        for p in Policy::presets() {
            add_opts.push_str(&format!(
                r#"<option value="{}"{}>{}</option>"#,
                esc(p.id),
                if p.id == self.new_policy {
                    " selected"
                } else {
                    ""
                },
                esc(p.name)
            ));
        }
        let full = clients.len() >= MAX_CLIENTS;
        let add = el("div")
            .c("add-client")
            .k(select(
                "new-policy",
                "New client's policy",
                "field",
                add_opts,
                ctx.link().callback(|e: Event| {
                    let s: HtmlSelectElement = e.target_unchecked_into();
                    Msg::SetNewPolicy(s.value())
                }),
            ))
            .k(button("Add client", click(ctx, Msg::AddClient))
                .flag("disabled", full)
                .h())
            .h();
        el("section")
            .c("client panel")
            .at("aria-labelledby", "client-title")
            .k(tabs.k(add).h())
            .raw(body)
            .k(picker)
            .raw(info)
            .raw(map)
            .k(button(
                "Refresh map (CLUSTER SLOTS)",
                click(ctx, Msg::Act(Action::RefreshMap)),
            )
            .c("refresh")
            .flag("hidden", !keeps_map)
            .h())
            .h()
    }

    /// The wire between client and nodes, with the last hop's message animated on it.
    fn view_lane(&self) -> Html {
        let n = self.names.len().max(1);
        let cols = node_columns(n);
        let hop = self.last_hop();
        // Centre of node i's column, in percent (integers: no float formatting code).
        let x_of = |i: usize| (200 * (i % cols) + 100) / (2 * cols);
        let active = hop.and_then(|h| h.node).map(|x| x as usize);
        let ms = self.speed.hop_ms().max(100) * 9 / 10;
        let mut lane = format!(
            r#"<div class="lane" style="--hop-ms:{ms}ms" aria-hidden="true"><svg class="lines" viewBox="0 0 100 100" preserveAspectRatio="none" focusable="false">"#
        );
        for i in 0..n {
            lane.push_str(&format!(
                r#"<line x1="50" y1="0" x2="{}" y2="100" vector-effect="non-scaling-stroke"{}/>"#,
                x_of(i),
                if active == Some(i) {
                    r#" class="active""#
                } else {
                    ""
                }
            ));
        }
        lane.push_str("</svg>");
        let mut caption =
            String::from("No request sent yet: type a key and press Send, or Step through it.");
        if let Some(h) = hop {
            let (badge, class) = markup::reply_badge(h.reply_kind);
            lane.push_str(&format!(
                r#"<div class="pills" data-hop="{}" style="--x:{}%"><span class="pill out">{}</span><span class="pill back {class}">{}{}</span></div>"#,
                self.hops_played,
                x_of(h.node.unwrap_or(0) as usize),
                ce(&h.command, 28),
                if badge == "reply" {
                    String::new()
                } else {
                    format!("{badge} ")
                },
                ce(short_reply(&h.reply), 28)
            ));
            caption = format!(
                r#"<span class="lbl">Last hop: </span>{} → {}: <code>{}</code> ⇒ <code>{}</code>"#,
                esc(&h.from),
                esc(&h.to),
                ce(&h.command, 80),
                ce(&h.reply, 80)
            );
        }
        lane.push_str("</div>");
        let mut out = format!(r#"{lane}<p class="hop-caption">{caption}</p>"#);
        if let Some(h) = self.world.next_hop() {
            out.push_str(&format!(
                r#"<p class="next-hop"><span class="lbl">Next hop: </span><code>{}</code> to {}{}</p>"#,
                ce(&h.command, 80),
                esc(&self.name(h.node)),
                if self.playing {
                    " (playing…)"
                } else {
                    " (press Step or Play)"
                }
            ));
        }
        el("div").c("wire").raw(out).h()
    }

    fn view_nodes(&self, ctx: &Context<Self>) -> Html {
        let nodes = self.world.cards();
        let last = self.last_hop().and_then(|h| h.node);
        let next = self.world.next_hop().map(|h| h.node);
        let mut out = el("div")
            .c("nodes")
            .a("style", format!("--n:{}", node_columns(nodes.len())).into())
            .raw(r#"<h2 class="visually-hidden">Cluster nodes</h2>"#.into());
        for n in &nodes {
            let idx = n.idx;
            let open = self.selected == Some(idx);
            let hit = last == Some(idx);
            let class = match (open, hit) {
                (true, true) => "node open hit",
                (true, false) => "node open",
                (false, true) => "node hit",
                (false, false) => "node",
            };
            out = out.k(el("button")
                .at("type", "button")
                .r(self
                    .node_buttons
                    .get(idx as usize)
                    .cloned()
                    .unwrap_or_default())
                .c(class)
                .a(
                    "aria-label",
                    markup::node_label(n, hit, next == Some(idx), open).into(),
                )
                .at("aria-expanded", if open { "true" } else { "false" })
                .at("aria-controls", "node-details")
                .click(click(ctx, Msg::ToggleNode(idx)))
                .raw(markup::node_inner(n, hit, next == Some(idx), open))
                .h());
        }
        out.h()
    }

    fn view_form(&self, ctx: &Context<Self>, key_panel: String) -> Html {
        let link = ctx.link();
        let too_long = self.key.len() > MAX_KEY_BYTES;
        let mut key_box = text_box(
            "key",
            &self.key,
            link.callback(|e: InputEvent| {
                let i: HtmlInputElement = e.target_unchecked_into();
                Msg::SetKey(i.value())
            }),
        )
        .at("aria-describedby", "key-info");
        if too_long {
            key_box = key_box.at("aria-invalid", "true");
        }
        let mut form = el("form")
            .c("request panel")
            .at("aria-labelledby", "request-title")
            .submit(link.callback(|e: SubmitEvent| {
                e.prevent_default();
                Msg::Send
            }))
            .raw(r#"<h2 id="request-title">Request</h2>"#.into())
            .k(el("div")
                .c("form-row")
                .k(select(
                    "command",
                    "Command",
                    "field cmd-field",
                    options(&Command::ALL, self.command, Command::id, Command::label),
                    link.callback(|e: Event| {
                        let s: HtmlSelectElement = e.target_unchecked_into();
                        Msg::SetCommand(Command::parse(&s.value()))
                    }),
                ))
                .k(field("field key-field", "key", "Key", key_box.h()))
                .h());
        if self.command == Command::Set {
            form = form.k(field(
                "field",
                "value",
                "Value",
                text_box(
                    "value",
                    &self.value,
                    link.callback(|e: InputEvent| {
                        let i: HtmlInputElement = e.target_unchecked_into();
                        Msg::SetValue(i.value())
                    }),
                )
                .h(),
            ));
        }
        let mut extra = String::new();
        if self.command == Command::Mget {
            form = form.k(field(
                "field",
                "more",
                "More keys (separated by spaces)",
                text_box(
                    "more",
                    &self.more,
                    link.callback(|e: InputEvent| {
                        let i: HtmlInputElement = e.target_unchecked_into();
                        Msg::SetMore(i.value())
                    }),
                )
                .at("placeholder", "{user:7}:profile {user:7}:orders")
                .h(),
            ));
            let mut items = String::new();
            for k in self.more.split_whitespace().take(8) {
                items.push_str(&format!(
                    "<li><code>{}</code> → slot {}</li>",
                    ce(k, 40),
                    self.world.key_view(k).slot
                ));
            }
            if !items.is_empty() {
                extra = format!(r#"<ul class="more-slots">{items}</ul>"#);
            }
        }
        let mut info = String::new();
        if too_long {
            info = format!(
                r#"<p class="warn">This key is {} bytes long: keys up to {} bytes (64 KiB) are accepted, so Send will refuse it.</p>"#,
                group(self.key.len()),
                group(MAX_KEY_BYTES)
            );
        }
        info.push_str(&format!(
            r#"<div class="keyinfo" id="key-info">{key_panel}</div>{extra}"#
        ));
        form = form.raw(info).k(el("div")
            .c("send-row")
            .k(el("button").at("type", "submit").c("primary").t("Send").h())
            .raw(r#"<span class="hint">plays every hop at the chosen speed</span>"#.into())
            .h());
        if let Some(e) = &self.error {
            form = form.k(el("div")
                .c("error")
                .at("role", "alert")
                .raw(format!("<p>{}</p>", esc(e)))
                .k(button("Dismiss", click(ctx, Msg::DismissError))
                    .c("ghost")
                    .h())
                .h());
        }
        form.h()
    }

    fn view_controls(&self, ctx: &Context<Self>) -> Html {
        el("div")
            .c("controls panel")
            .at("role", "group")
            .at("aria-labelledby", "controls-title")
            .raw(r#"<h2 id="controls-title">Playback</h2>"#.into())
            .k(el("div")
                .c("buttons")
                .k(button("Step", click(ctx, Msg::Step)).h())
                .k(button(
                    if self.playing { "Pause" } else { "Play" },
                    click(ctx, Msg::TogglePlay),
                )
                .c(if self.playing { "playing" } else { "" })
                .h())
                .k(button("Back", click(ctx, Msg::Back))
                    .flag("disabled", !self.world.can_back())
                    .h())
                .k(button("Forward", click(ctx, Msg::Forward))
                    .flag("disabled", !self.world.can_forward())
                    .h())
                .k(button("Reset", click(ctx, Msg::Reset)).h())
                .h())
            .k(self.view_timeline(ctx))
            .k(self.view_share(ctx))
            .k(select(
                "speed",
                "Speed",
                "field speed-field",
                options(&Speed::ALL, self.speed, Speed::id, Speed::label),
                ctx.link().callback(|e: Event| {
                    let s: HtmlSelectElement = e.target_unchecked_into();
                    Msg::SetSpeed(Speed::parse(&s.value()))
                }),
            ))
            .h()
    }

    /// "Copy link", the shortcut sheet's button, and what copying did.
    fn view_share(&self, ctx: &Context<Self>) -> Html {
        if !self.sync_url {
            return Html::default();
        }
        let mut row = el("div")
            .c("share")
            .k(button("Copy link", click(ctx, Msg::CopyLink)).h())
            .k(button("Keyboard shortcuts", click(ctx, Msg::OpenKeys))
                .at("aria-keyshortcuts", "?")
                .h())
            .k(el("p")
                .c("link-status")
                .at("role", "status")
                .s(self.link_status.into())
                .h());
        if let (Some(link), false) = (&self.link_shown, self.link_status.is_empty()) {
            row = row.k(field(
                "field share-field",
                "share-link",
                "Link to this moment",
                el("input")
                    .at("id", "share-link")
                    .at("type", "text")
                    .at("readonly", "")
                    .value(link)
                    .h(),
            ));
        }
        row.h()
    }

    /// The timeline slider: every step recorded so far, the current one selected.
    fn view_timeline(&self, ctx: &Context<Self>) -> Html {
        let (pos, len) = (self.world.position(), self.world.timeline_len());
        el("div")
            .c("field timeline-field")
            .k(el("label")
                .at("for", "timeline")
                .s(format!("Timeline: step {} of {}", group(pos), group(len)))
                .h())
            .k(el("input")
                .at("id", "timeline")
                .at("type", "range")
                .at("min", "0")
                .a("max", len.to_string().into())
                .value(&pos.to_string())
                .flag("disabled", len == 0)
                .input(ctx.link().callback(|e: InputEvent| {
                    let i: HtmlInputElement = e.target_unchecked_into();
                    Msg::Seek(i.value().parse().unwrap_or(0))
                }))
                .h())
            .h()
    }

    fn view_details(&self, ctx: &Context<Self>, slot: u16) -> Html {
        let Some(sel) = self.selected else {
            return Html::default();
        };
        let Some(n) = &self.world.node(sel) else {
            return Html::default();
        };
        let offers = self.world.offers(sel, slot, self.slotmap.range());
        let mut out = el("section")
            .at("id", "node-details")
            .c("details panel")
            .at("aria-labelledby", "details-title")
            .k(el("div")
                .c("details-head")
                .k(el("h2")
                    .at("id", "details-title")
                    .at("tabindex", "-1")
                    .r(self.details_heading.clone())
                    .s(format!("{} ({})", n.name, n.addr))
                    .h())
                .k(button("Close details", click(ctx, Msg::CloseNode))
                    .c("ghost")
                    .h())
                .h())
            .raw(format!(
                r#"<dl class="facts">{}</dl><h3>Actions for slot {slot} (the key's slot)</h3>"#,
                markup::node_facts(n)
            ));
        if offers.is_empty() {
            out = out.raw(format!(
                r#"<p class="muted">No action for slot {slot} on {}: actions appear on the node that serves the slot or is migrating it.</p>"#,
                esc(&n.name)
            ));
        } else {
            let mut list = el("ul").c("actions");
            for (i, o) in offers.iter().enumerate() {
                let mut b = el("button")
                    .at("type", "button")
                    .click(click(ctx, Msg::Act(o.action.clone())))
                    .s(o.label.clone());
                let mut item = el("li");
                if let Some(why) = &o.disabled {
                    let id = format!("offer-reason-{i}");
                    b = b
                        .flag("disabled", true)
                        .a("aria-describedby", id.clone().into());
                    item = item.k(b.h()).raw(format!(
                        r#"<span class="reason" id="{id}">Not now: {}.</span>"#,
                        esc(why)
                    ));
                } else {
                    item = item.k(b.h());
                }
                list = list.k(item.h());
            }
            out = out.k(list.h());
        }
        out.raw(markup::node_keys(n)).h()
    }
}

/// The query string of a link to the moment `world` is at, with `key` in the key box.
fn moment_query(world: &World, key: &str) -> String {
    crate::url::link_query(world, key, &crate::dom::location_search())
}

/// Node cards per row: up to four, so sixteen nodes stay readable in four rows.
fn node_columns(nodes: usize) -> usize {
    nodes.clamp(1, 4)
}

/// `n / d` with one decimal, by integer arithmetic (no float formatting code).
fn tenths(n: u64, d: u64) -> String {
    if d == 0 {
        return "0".into();
    }
    let t = (n * 10 + d / 2) / d;
    format!("{}.{}", t / 10, t % 10)
}

/// The client's counters as a small table.
fn counters_table(c: &Counters) -> String {
    let rows = [
        ("Requests", c.requests),
        ("Hops", c.hops),
        ("MOVED", c.moved),
        ("ASK", c.ask),
        ("TRYAGAIN", c.tryagain),
        ("Refreshes", c.refreshes),
    ];
    let mut s =
        String::from(r#"<table class="counters"><caption>This client's counters</caption><tbody>"#);
    for (name, v) in rows {
        s.push_str(&format!(
            r#"<tr><th scope="row">{name}</th><td>{}</td></tr>"#,
            group(v as usize)
        ));
    }
    s.push_str(&format!(
        r#"<tr><th scope="row">Round trips per request</th><td>{}</td></tr></tbody></table>"#,
        tenths(c.hops, c.requests)
    ));
    s
}
