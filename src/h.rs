//! A tiny element builder. The `html!` macro inlines every element it builds, which
//! made the page's WebAssembly too big for its budget; these out-of-line calls build
//! the same virtual DOM with a fraction of the code.

use std::rc::Rc;

use yew::html::{onchange, onclick, oninput, onsubmit};
use yew::virtual_dom::{Key, VTag, VText};
use yew::{AttrValue, Callback, Html};

/// An element under construction (boxed: each builder call then moves a pointer, not
/// the whole tag).
pub struct El(Box<VTag>);

/// Starts an element.
#[inline(never)]
pub fn el(tag: &'static str) -> El {
    El(Box::new(VTag::new(AttrValue::Static(tag))))
}

/// A text node.
#[inline(never)]
pub fn text(s: impl Into<AttrValue>) -> Html {
    VText::new(s.into()).into()
}

/// Trusted markup (built by [`crate::markup`], every dynamic part escaped).
#[inline(never)]
pub fn raw(html: String) -> Html {
    Html::from_html_unchecked(html.into())
}

impl El {
    /// Sets an attribute.
    #[inline(never)]
    pub fn a(mut self, key: &'static str, value: AttrValue) -> El {
        self.0.add_attribute(key, value);
        self
    }

    /// Sets a fixed attribute.
    pub fn at(self, key: &'static str, value: &'static str) -> El {
        self.a(key, AttrValue::Static(value))
    }

    /// Sets the class.
    pub fn c(self, class: &'static str) -> El {
        self.a("class", AttrValue::Static(class))
    }

    /// Sets a boolean attribute when `on`.
    pub fn flag(self, key: &'static str, on: bool) -> El {
        if on {
            self.at(key, "")
        } else {
            self
        }
    }

    /// Appends a child.
    #[inline(never)]
    pub fn k(mut self, child: Html) -> El {
        self.0.add_child(child);
        self
    }

    /// Appends fixed text.
    pub fn t(self, s: &'static str) -> El {
        self.k(text(AttrValue::Static(s)))
    }

    /// Appends text.
    pub fn s(self, s: String) -> El {
        self.k(text(s))
    }

    /// Appends trusted markup.
    pub fn raw(self, html: String) -> El {
        self.k(raw(html))
    }

    /// Sets the value of an `<input>`.
    #[inline(never)]
    pub fn value(mut self, v: &str) -> El {
        self.0.set_value(Some(AttrValue::from(v.to_string())));
        self
    }

    /// Keeps a reference to the DOM element.
    pub fn r(mut self, node_ref: NodeRefArg) -> El {
        self.0.node_ref = node_ref;
        self
    }

    /// Sets the key (for lists).
    pub fn key(mut self, key: Key) -> El {
        self.0.key = Some(key);
        self
    }

    /// Runs `cb` on click.
    #[inline(never)]
    pub fn click(mut self, cb: Callback<yew::MouseEvent>) -> El {
        self.0.add_listener(Rc::new(onclick::Wrapper::new(cb)));
        self
    }

    /// Runs `cb` on input.
    pub fn input(mut self, cb: Callback<yew::InputEvent>) -> El {
        self.0.add_listener(Rc::new(oninput::Wrapper::new(cb)));
        self
    }

    /// Runs `cb` on change.
    pub fn change(mut self, cb: Callback<yew::Event>) -> El {
        self.0.add_listener(Rc::new(onchange::Wrapper::new(cb)));
        self
    }

    /// Runs `cb` on submit.
    pub fn submit(mut self, cb: Callback<yew::SubmitEvent>) -> El {
        self.0.add_listener(Rc::new(onsubmit::Wrapper::new(cb)));
        self
    }

    /// Adds any event listener (`Rc::new(yew::html::onkeydown::Wrapper::new(cb))`).
    pub fn on(mut self, listener: Rc<dyn yew::virtual_dom::Listener>) -> El {
        self.0.add_listener(listener);
        self
    }

    /// Finishes the element.
    #[inline(never)]
    pub fn h(self) -> Html {
        (*self.0).into()
    }
}

/// What [`El::r`] takes.
pub type NodeRefArg = yew::NodeRef;
