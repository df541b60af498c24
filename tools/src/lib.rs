//! slotscope's tools module. The page starts without it and loads it into one Web Worker
//! the first time a person uses a tool (the policy comparison, the key calculator, the
//! tours' words, session files), so a docs page that only shows the redirection widget
//! never downloads this code, and long runs never freeze the page.
//!
//! The worker script (`static/tools-worker.js`) passes each request to [`handle`] and
//! posts the answer back. Requests and answers are plain text: the first line names the
//! tool, the next are `name=value` lines, and pasted text or a chosen file's content
//! follows a `---` line; the answer is an HTML fragment for the panel (built here,
//! every dynamic text escaped), a file (see [`session`]) or a line starting with `error:`
//! (`error: line N: reason` when pasted text is refused).
//!
//! `topology` takes pasted `CLUSTER NODES`, `SHARDS` or `SLOTS` output and answers its
//! report. `replay` takes the topology, a line holding only U+001D (the ASCII group
//! separator, [`byo::SESSION_SEP`]), then a `redis-cli -c` transcript or a JSONL script;
//! it answers one frame per recorded step (each starting with the replay's summary),
//! separated by U+001E (the ASCII record separator, [`byo::FRAME_SEP`]).

use wasm_bindgen::prelude::wasm_bindgen;

/// The module's memory allocator: smaller than Rust's default in WebAssembly.
#[cfg(target_family = "wasm")]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub mod byo;
pub mod compare_view;
mod html;
pub mod keys_view;
pub mod session;

/// The golden capture's folders, shared with the core's tests.
#[cfg(test)]
#[path = "../../sim/tests/common/golden.rs"]
mod golden;

/// Answers one request (see the crate documentation for the format).
#[wasm_bindgen]
pub fn handle(request: &str) -> String {
    let (head, attached) = request.split_once("\n---\n").unwrap_or((request, ""));
    let (tool, rest) = head.split_once('\n').unwrap_or((head, ""));
    let args = Args::parse(rest);
    let answer = match tool.trim() {
        "compare" => compare_view::answer(&args, attached),
        "policy" => compare_view::describe_file(attached),
        "keys" => keys_view::answer(&args, attached),
        "topology" => byo::topology(attached),
        "replay" => byo::replay(attached),
        "session-save" => session::save(attached),
        "session-log" => session::log(attached),
        "session-open" => session::open(attached),
        "text" => Ok(attached.to_string()),
        "tours" => Ok(slotscope_sim::tour::WORDS.to_string()),
        other => Err(format!("unknown tool {:?}", html::clip(other, 40))),
    };
    answer.unwrap_or_else(|e| format!("error: {e}"))
}

/// The `name=value` lines of a request, in order (a name may repeat).
pub struct Args(Vec<(String, String)>);

impl Args {
    /// Reads `name=value` lines; other lines are ignored.
    pub fn parse(text: &str) -> Args {
        Args(
            text.lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `name` as a whole number in `lo..=hi`, or `default` when absent.
    pub fn number(
        &self,
        name: &str,
        default: usize,
        lo: usize,
        hi: usize,
    ) -> Result<usize, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (lo..=hi).contains(&n) => Ok(n),
                _ => Err(format!(
                    "{name} must be a whole number from {lo} to {hi}, not {:?}",
                    html::clip(v, 40)
                )),
            },
        }
    }
}
