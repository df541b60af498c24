//! Component tests: the app mounted into a `<div>` in headless Chromium, driven through
//! the DOM. Run with
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p slotscope --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use slotscope::{App, AppProps};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

/// The app mounted on a fresh `<div>`; unmounted and removed on drop.
struct Mounted {
    root: Element,
    handle: Option<AppHandle<App>>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
        self.root.remove();
    }
}

impl Mounted {
    async fn new(query: &str) -> Mounted {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let props = AppProps {
            query: query.to_string().into(),
            sync_url: false,
        };
        let handle = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
        yew::scheduler::flush().await;
        Mounted {
            root,
            handle: Some(handle),
        }
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).unwrap()
    }

    fn text(&self, selector: &str) -> String {
        self.find(selector)
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }

    fn count(&self, selector: &str) -> u32 {
        self.root.query_selector_all(selector).unwrap().length()
    }

    /// The button whose accessible name (aria-label, else text) starts with `name`.
    fn button(&self, name: &str) -> HtmlElement {
        let all = self.root.query_selector_all("button").unwrap();
        for i in 0..all.length() {
            let b: Element = all.item(i).unwrap().dyn_into().unwrap();
            let label = b
                .get_attribute("aria-label")
                .or_else(|| b.text_content())
                .unwrap_or_default();
            if label.trim().starts_with(name) {
                return b.dyn_into().unwrap();
            }
        }
        panic!("no button named {name:?}");
    }

    async fn click(&self, name: &str) {
        self.button(name).click();
        yew::scheduler::flush().await;
    }

    async fn type_key(&self, key: &str) {
        let input: HtmlInputElement = self.find("#key").unwrap().dyn_into().unwrap();
        input.set_value(key);
        let init = EventInit::new();
        init.set_bubbles(true);
        let ev = Event::new_with_event_init_dict("input", &init).unwrap();
        input.dispatch_event(&ev).unwrap();
        yew::scheduler::flush().await;
    }

    fn select(&self, selector: &str) -> HtmlSelectElement {
        self.find(selector).unwrap().dyn_into().unwrap()
    }

    async fn choose(&self, selector: &str, value: &str) {
        let s = self.select(selector);
        s.set_value(value);
        let init = EventInit::new();
        init.set_bubbles(true);
        let ev = Event::new_with_event_init_dict("change", &init).unwrap();
        s.dispatch_event(&ev).unwrap();
        yew::scheduler::flush().await;
    }
}

#[wasm_bindgen_test]
async fn key_panel_shows_the_slot_and_who_owns_it() {
    let app = Mounted::new("").await;
    let info = app.text("#key-info");
    assert!(info.contains("user:100"), "{info}");
    assert!(info.contains("CRC16 = 25692"), "{info}");
    assert!(info.contains("slot = CRC16 mod 16384 = 9308"), "{info}");
    assert!(info.contains("client's map picks Node 1"), "{info}");
    assert!(info.contains("Node 2 really owns it"), "{info}");
    assert!(app.text(".mapstate").contains("Map: outdated"));
    assert_eq!(app.text("[role=log] li").trim(), "Ready to send request.");
}

#[wasm_bindgen_test]
async fn hash_tag_is_highlighted_and_typing_updates_the_panel() {
    let app = Mounted::new("?key=%7Buser%3A7%7D%3Acart").await;
    assert_eq!(app.text("#key-info .keytext mark"), "user:7");
    assert!(app.text("#key-info").contains("= 2780"));
    app.type_key("user:100").await;
    assert_eq!(app.count("#key-info .keytext mark"), 0);
    assert!(app.text("#key-info").contains("= 9308"));
    app.type_key("").await;
    assert!(app.text("#key-info").contains("empty key"));
    assert!(app.text("#key-info").contains("= 0"));
}

#[wasm_bindgen_test]
async fn markup_in_a_key_is_shown_as_text() {
    let app = Mounted::new("?key=%3Cscript%3Ex()%3C%2Fscript%3E%3Cb%3Ebold%3C%2Fb%3E").await;
    assert!(app
        .text("#key-info .keytext")
        .contains("<script>x()</script><b>bold</b>"));
    assert_eq!(app.count("script, b"), 0);
    app.click("Step").await;
    assert!(app.text("[role=log]").contains("<script>x()</script>"));
    assert_eq!(app.count("script, b"), 0);
}

#[wasm_bindgen_test]
async fn step_plays_one_hop_and_back_undoes_it() {
    let app = Mounted::new("").await;
    assert!(app.button("Back").has_attribute("disabled"));
    app.click("Step").await;
    assert_eq!(app.count("[role=log] li"), 2);
    let log = app.text("[role=log]");
    assert!(log.contains("-MOVED 9308 127.0.0.1:7001"), "{log}");
    assert!(app.text(".next-hop").contains("to Node 2"));
    // The patched entry is marked in words.
    assert!(app.text("tr.changed").contains("changed by the last MOVED"));
    assert!(app.text("tr.changed").starts_with("9308"));
    app.click("Step").await;
    assert!(app.text("[role=log]").contains("Result: \"Ada\""));
    assert_eq!(app.count(".next-hop"), 0);
    app.click("Back").await;
    assert_eq!(app.count("[role=log] li"), 2);
    app.click("Back").await;
    app.click("Back").await;
    assert_eq!(app.count("[role=log] li"), 1);
    assert_eq!(app.count("tr.changed"), 0);
}

#[wasm_bindgen_test]
async fn send_plays_the_first_hop_at_once_and_the_rest_on_a_timer() {
    let app = Mounted::new("?scenario=ask").await;
    assert!(app.text(".mapstate").contains("Map: up to date"));
    app.click("Send").await;
    assert!(app.text("[role=log]").contains("-ASK 2780 127.0.0.1:7001"));
    assert_eq!(app.button("Pause").text_content().as_deref(), Some("Pause"));
    // Normal speed: one hop a second.
    gloo_timers::future::sleep(std::time::Duration::from_millis(2300)).await;
    yew::scheduler::flush().await;
    let log = app.text("[role=log]");
    assert!(log.contains("ASKING"), "{log}");
    assert!(log.contains("Result: \"3 items\""), "{log}");
    assert!(app.text(".mapstate").contains("Map: up to date"));
    assert_eq!(app.button("Play").text_content().as_deref(), Some("Play"));
}

#[wasm_bindgen_test]
async fn a_bad_url_parameter_shows_a_dismissible_notice() {
    let app = Mounted::new("?scenario=nope").await;
    let notice = app.text(".notices[role=status]");
    assert!(notice.contains("scenario \"nope\""), "{notice}");
    assert!(app.text(".mapstate").contains("Map: outdated"));
    app.click("Dismiss").await;
    assert_eq!(app.count(".notices[role=status]"), 0);
}

#[wasm_bindgen_test]
async fn an_over_long_key_is_refused_and_nothing_changes() {
    let app = Mounted::new("").await;
    app.type_key(&"k".repeat(64 * 1024 + 1)).await;
    assert!(app.text(".warn").contains("65,537 bytes"));
    app.click("Send").await;
    assert!(app.text("[role=alert]").contains("65537 bytes"));
    assert_eq!(app.count("[role=log] li"), 1);
}

#[wasm_bindgen_test]
async fn a_node_opens_its_details_and_actions_run_in_the_core() {
    let app = Mounted::new("").await;
    app.click("Node 2,").await;
    assert_eq!(
        app.button("Node 2,")
            .get_attribute("aria-expanded")
            .as_deref(),
        Some("true")
    );
    let details = app.text("#node-details");
    assert!(details.contains("5001-16383"), "{details}");
    assert!(details.contains("user:100"), "{details}");
    app.click("Start migrating slot 9308 to Node 1").await;
    let log = app.text("[role=log]");
    assert!(log.contains("CLUSTER SETSLOT 9308 IMPORTING"), "{log}");
    assert!(log.contains("CLUSTER SETSLOT 9308 MIGRATING"), "{log}");
    assert!(app
        .button("Node 2,")
        .get_attribute("aria-label")
        .unwrap_or_default()
        .contains("migrating slot 9308 to Node 1"));
    app.click("Close details").await;
    assert_eq!(app.count("#node-details"), 0);
}

#[wasm_bindgen_test]
async fn a_long_session_renders_only_the_newest_log_lines() {
    let app = Mounted::new("").await;
    for _ in 0..120 {
        app.click("Step").await;
    }
    assert_eq!(
        app.count("[role=log] li") as usize,
        slotscope::app::LOG_SHOWN
    );
    let hidden = app.text(".log-hidden");
    assert!(hidden.ends_with("earlier entries hidden"), "{hidden}");
    let n: usize = hidden
        .split(' ')
        .next()
        .unwrap_or_default()
        .replace(',', "")
        .parse()
        .unwrap();
    // The ready line, 3 lines for the MOVED request (two Steps), 2 for each later one.
    assert_eq!(n + slotscope::app::LOG_SHOWN, 1 + 3 + 2 * 118);
    assert!(app.text("[role=log] li:last-child").starts_with("Result:"));
}

#[wasm_bindgen_test]
async fn the_policy_picker_lists_every_preset_and_shows_the_chosen_one() {
    let app = Mounted::new("?policy=jedis").await;
    assert_eq!(app.text("label[for=policy]"), "Client policy");
    let presets = slotscope_sim::policy::Policy::presets();
    assert_eq!(app.count("#policy option"), presets.len() as u32);
    for p in &presets {
        let opt = app.text(&format!("#policy option[value=\"{}\"]", p.id));
        assert!(opt.contains(p.name) && opt.contains(p.library), "{opt}");
    }
    assert_eq!(app.select("#policy").value(), "jedis");
    assert_eq!(app.count(".notices[role=status]"), 0);
    app.choose("#policy", "ioredis").await;
    assert_eq!(app.select("#policy").value(), "ioredis");
    let ioredis = slotscope_sim::policy::Policy::preset("ioredis").unwrap();
    assert!(app.text(".policy-info").contains(ioredis.summary));
    assert!(app
        .text("table.counters")
        .contains("Round trips per request"));
    // A request counts in the client's table; Back undoes the policy change too.
    app.click("Send").await;
    assert!(!app.text("table.counters").contains("Hops0"));
    app.click("Back").await;
    app.click("Back").await;
    app.click("Back").await;
    assert_eq!(app.select("#policy").value(), "jedis");
}

#[wasm_bindgen_test]
async fn an_unknown_policy_in_the_address_is_refused_with_a_notice() {
    let app = Mounted::new("?policy=nope").await;
    let notice = app.text(".notices[role=status]");
    assert!(notice.contains("policy \"nope\""), "{notice}");
    assert_eq!(app.select("#policy").value(), "redis-py");
    app.click("Dismiss").await;
    assert_eq!(app.count(".notices[role=status]"), 0);
}

#[wasm_bindgen_test]
async fn one_client_learns_from_moved_while_another_keeps_its_old_map() {
    let app = Mounted::new("").await;
    app.choose("#speed", "instant").await;
    // The first client learns slot 9308 (Node 2) from MOVED.
    app.click("Send").await;
    assert!(app.text("table.counters").contains("MOVED1"));
    // A Jedis client joins with an up-to-date map.
    app.choose("#new-policy", "jedis").await;
    app.click("Add client").await;
    assert_eq!(
        app.button("Client 2 (Jedis)")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("false")
    );
    // Slot 9308 moves to Node 1: both maps are now wrong about it.
    app.click("Node 2,").await;
    app.click("Start migrating slot 9308 to Node 1").await;
    app.click("Move all keys of slot 9308").await;
    app.click("Finish migration of slot 9308 to Node 1").await;
    app.click("Send").await;
    assert!(app.text("table.counters").contains("MOVED2"));
    assert!(app.text("#key-info").contains("client's map picks Node 1"));
    // The second client still sends to the old node; its counters are its own.
    app.click("Client 2 (Jedis)").await;
    assert_eq!(app.text("#client-title"), "Client 2 (Jedis)");
    assert_eq!(app.select("#policy").value(), "jedis");
    assert!(app.text("#key-info").contains("client's map picks Node 2"));
    assert!(app.text("table.counters").contains("MOVED0"));
    app.click("Send").await;
    assert!(app.text("table.counters").contains("MOVED1"));
    // Back undoes the request hop by hop, then the switch.
    for _ in 0..8 {
        if app.text("#client-title") == "Smart client" {
            break;
        }
        app.click("Back").await;
    }
    assert_eq!(app.text("#client-title"), "Smart client");
    assert!(app.text("table.counters").contains("MOVED2"));
}
