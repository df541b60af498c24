//! The page's link to the tools module (`static/tools-worker.js`): a Web Worker created
//! the first time a person opens a tool, so the page itself never downloads that code
//! and long runs never freeze it.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker};

/// An answer: the tool's text (an HTML fragment, or `error: ...`) and the milliseconds
/// the tool took inside the worker.
#[derive(Clone)]
pub struct Answer {
    /// The request's id.
    pub id: u32,
    /// What the tool answered.
    pub text: String,
    /// Time spent in the tool.
    pub ms: f64,
}

/// The worker and the callback that receives its answers.
pub struct Tools {
    worker: Worker,
    next: u32,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

/// Where the worker script sits, relative to the page (or to [`crate::embedded_base`]).
const SCRIPT: &str = "tools-worker.js";

impl Tools {
    /// Starts the worker; `on_answer` gets every answer.
    pub fn start(on_answer: impl Fn(Answer) + 'static) -> Result<Tools, String> {
        let script = crate::embedded_base().unwrap_or_default() + SCRIPT;
        let worker = Worker::new(&script)
            .map_err(|_| String::from("The tools could not start in this browser."))?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            let get = |k: &str| js_sys::Reflect::get(&data, &JsValue::from_str(k)).ok();
            let answer = Answer {
                id: get("id").and_then(|v| v.as_f64()).unwrap_or(0.0) as u32,
                text: get("answer")
                    .and_then(|v| v.as_string())
                    .unwrap_or_else(|| "error: the tools sent no answer".into()),
                ms: get("ms").and_then(|v| v.as_f64()).unwrap_or(0.0),
            };
            on_answer(answer);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Ok(Tools {
            worker,
            next: 0,
            _on_message: on_message,
        })
    }

    /// Sends a request (see the tools crate for the format), with a policy file the
    /// worker reads and adds to it; returns its id.
    pub fn ask(&mut self, request: String, file: Option<&web_sys::File>) -> Result<u32, String> {
        self.next += 1;
        let msg = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&msg, &JsValue::from_str(k), &v);
        let _ = set("id", JsValue::from(self.next));
        let _ = set("request", JsValue::from_str(&request));
        if let Some(f) = file {
            let _ = set("file", f.into());
        }
        self.worker
            .post_message(&msg)
            .map_err(|_| String::from("The tools could not be reached."))?;
        Ok(self.next)
    }
}

impl Drop for Tools {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.terminate();
    }
}
