//! The page's link to the tools module (`static/tools-worker.js`): one Web Worker for
//! every panel and widget of the page, created the first time a person opens a tool,
//! so the page itself never downloads that code and long runs never freeze it.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker};

/// An answer: the tool's text (an HTML fragment, or `error: ...`) and the milliseconds
/// the tool took inside the worker.
#[derive(Clone)]
pub struct Answer {
    /// What the tool answered.
    pub text: String,
    /// Time spent in the tool.
    pub ms: f64,
}

/// Requests sent and not answered yet, with what to do with each answer.
type Waiting = Rc<RefCell<Vec<(u32, Box<dyn FnOnce(Answer)>)>>>;

/// The worker, its callback and the requests it still owes an answer.
struct Shared {
    worker: Worker,
    next: u32,
    waiting: Waiting,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

thread_local! {
    static SHARED: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

/// Where the worker script sits, relative to the page (or to [`crate::embedded_base`]).
const SCRIPT: &str = "tools-worker.js";

fn start() -> Result<Shared, String> {
    let script = crate::embedded_base().unwrap_or_default() + SCRIPT;
    let worker = Worker::new(&script)
        .map_err(|_| String::from("The tools could not start in this browser."))?;
    let waiting: Waiting = Rc::default();
    let owed = waiting.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        let get = |k: &str| js_sys::Reflect::get(&data, &JsValue::from_str(k)).ok();
        let id = get("id").and_then(|v| v.as_f64()).unwrap_or(0.0) as u32;
        let answer = Answer {
            text: get("answer")
                .and_then(|v| v.as_string())
                .unwrap_or_else(|| "error: the tools sent no answer".into()),
            ms: get("ms").and_then(|v| v.as_f64()).unwrap_or(0.0),
        };
        // Taken out before it runs: the panel it reaches may ask again at once.
        let done = {
            let mut w = owed.borrow_mut();
            let i = w.iter().position(|(n, _)| *n == id);
            i.map(|i| w.swap_remove(i).1)
        };
        if let Some(f) = done {
            f(answer);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    Ok(Shared {
        worker,
        next: 0,
        waiting,
        _on_message: on_message,
    })
}

/// Sends a request (see the tools crate for the format), with a file the worker reads
/// and attaches to it; `on_answer` receives the answer to this request. Starts the
/// worker on first use.
pub fn ask(
    request: String,
    file: Option<&web_sys::File>,
    on_answer: impl FnOnce(Answer) + 'static,
) -> Result<(), String> {
    send(request, file, Box::new(on_answer))
}

/// [`ask`] for a panel of the app: the answer to request number `n` of that panel reaches
/// the app as the message `wrap(n, answer)` (one copy of this code for every panel).
pub fn ask_app(
    link: &yew::html::Scope<crate::app::App>,
    request: String,
    file: Option<&web_sys::File>,
    n: u32,
    wrap: fn(u32, Answer) -> crate::app::Msg,
) -> Result<(), String> {
    let link = link.clone();
    send(
        request,
        file,
        Box::new(move |a| link.send_message(wrap(n, a))),
    )
}

/// [`ask`] without its type parameter (one copy in the WebAssembly).
fn send(
    request: String,
    file: Option<&web_sys::File>,
    on_answer: Box<dyn FnOnce(Answer)>,
) -> Result<(), String> {
    SHARED.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(start()?);
        }
        let Some(shared) = cell.as_mut() else {
            return Err(String::from("The tools could not start in this browser."));
        };
        shared.next += 1;
        let id = shared.next;
        let msg = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&msg, &JsValue::from_str(k), &v);
        let _ = set("id", JsValue::from(id));
        let _ = set("request", JsValue::from_str(&request));
        if let Some(f) = file {
            let _ = set("file", f.into());
        }
        shared
            .worker
            .post_message(&msg)
            .map_err(|_| String::from("The tools could not be reached."))?;
        shared.waiting.borrow_mut().push((id, on_answer));
        Ok(())
    })
}
