//! The slot map: all 16384 slots as a 128 x 128 grid (slot = row x 128 + column),
//! coloured and labelled by the node that serves them, slots in a migration hatched
//! and outlined, the current key's slot pointed at from the edges. One focusable
//! control: the arrow keys (or the pointer) move a cursor whose slot is described in a
//! live line; a click or Enter marks the first, then the last slot of a range.
//!
//! Every fact comes from the core ([`Sim::slot_overview`], [`Sim::slot_detail`]). The
//! grid is one SVG string of a few rectangles per owner run (not 16384 elements). Its
//! state lives inside [`crate::app::App`] (messages travel as `app::Msg::SlotMap`).

use std::fmt::Write;
use std::rc::Rc;

use slotscope_sim::slot_overview::{SlotDetail, SlotOverview};
use slotscope_sim::world::Sim;
use slotscope_sim::NodeIdx;
use yew::html::{onkeydown, onmousemove};
use yew::prelude::*;

use crate::app::App;
use crate::h::el;
use crate::markup::esc;
use crate::text::{plural, range};

/// Slots per row.
const COLS: u16 = 128;
/// Last slot.
const LAST: u16 = 16383;
/// One slot's side in drawing units (unsigned integers: no float or sign formatting code).
const CELL: usize = 10;
/// Room around the grid for the pointers at the key's slot.
const PAD: usize = 40;
/// The drawing's side.
const SIDE: usize = 128 * CELL + 2 * PAD;

/// Owner colours (node i gets `COLOURS[i % 16]`); neighbours in the list differ in
/// hue, and every owner is also named in the grid and in the legend.
pub const COLOURS: [&str; 16] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#9edae5",
];

/// What a key press or a click does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAct {
    /// Moves the cursor to this slot.
    Move(u16),
    /// Moves the cursor here and marks it as the start or the end of the range.
    Pick(u16),
    /// Forgets the range.
    Clear,
}

/// How far the keys with `KeyboardEvent.keyCode` 33 to 40 move the cursor: Page Up,
/// Page Down, End, Home, Left, Up, Right, Down.
const MOVES: [i32; 8] = [-1024, 1024, 16383, -16383, -1, -128, 1, 128];

/// The action of the key with `KeyboardEvent.keyCode` `code` (numbers rather than key
/// names: a table instead of a dozen string comparisons) with the cursor on `at`:
/// Left/Right one slot, Up/Down one row (128 slots), Page Up/Down 1024 slots, Home/End
/// the first and last slot (a move stops at the first or last slot); Enter or Space
/// picks, Escape clears.
pub fn key_act(at: u16, code: u32) -> Option<KeyAct> {
    match code {
        33..=40 => Some(KeyAct::Move(
            (i32::from(at) + MOVES[code as usize - 33]).clamp(0, LAST.into()) as u16,
        )),
        13 | 32 => Some(KeyAct::Pick(at)),
        27 => Some(KeyAct::Clear),
        _ => None,
    }
}

/// What a person does on the map: a key press, the pointer, a click or the Clear button
/// (`None`: nothing to do).
pub type Msg = Option<KeyAct>;

/// The map's state: the cursor and the range being chosen.
#[derive(Default)]
pub struct SlotMap {
    cursor: Option<u16>,
    chosen: Option<(u16, u16)>,
    /// The range has its first slot only (its last is picked next).
    open: bool,
}

/// The pointer moved: the cursor follows. The SVG ignores the pointer, so the event's
/// target is the map's square box, which the drawing fills.
fn pointer(e: MouseEvent) -> crate::app::Msg {
    let b: web_sys::Element = e.target_unchecked_into();
    let w = b.client_width().max(1);
    // Drawing units from the grid's corner to the pointer, along one axis.
    let cell = |offset: i32| {
        let v = offset * SIDE as i32 / w - PAD as i32;
        (0..128 * CELL as i32)
            .contains(&v)
            .then_some(v as u16 / CELL as u16)
    };
    let at = cell(e.offset_y()).zip(cell(e.offset_x()));
    crate::app::Msg::SlotMap(at.map(|(row, col)| KeyAct::Move(row * COLS + col)))
}

impl SlotMap {
    /// The chosen range of slots (first, last), for an action that moves a range.
    pub fn range(&self) -> Option<(u16, u16)> {
        self.chosen
    }

    /// Applies a message; true when the view changed.
    pub fn update(&mut self, msg: Msg) -> bool {
        match msg {
            Some(KeyAct::Move(slot)) if self.cursor != Some(slot) => self.cursor = Some(slot),
            Some(KeyAct::Pick(slot)) => {
                self.cursor = Some(slot);
                self.chosen = match self.chosen {
                    Some((a, _)) if self.open => Some((a.min(slot), a.max(slot))),
                    _ => Some((slot, slot)),
                };
                self.open = !self.open;
            }
            Some(KeyAct::Clear) => {
                self.chosen = None;
                self.open = false;
            }
            _ => return false,
        }
        true
    }

    /// The map with its live line, the chosen range, and the texts that say what the
    /// colours and marks show.
    pub fn view(&self, ctx: &Context<App>, sim: &Sim, key_slot: u16) -> Html {
        let o = sim.slot_overview();
        let names = sim.names();
        let (svg, text) = picture(&o, names, key_slot, self);
        let at = self.cursor.unwrap_or(key_slot);
        let live = match self.cursor {
            Some(s) => describe(&sim.slot_detail(s), names, sim, key_slot),
            None => "Point at a slot, or use the arrow keys on the map.".into(),
        };
        let mut range_line = el("p");
        if let Some((a, b)) = self.chosen {
            range_line = range_line
                .s(format!(
                    "Chosen range: {}{} ",
                    range(a, b),
                    if self.open {
                        " (click or press Enter on its last slot)."
                    } else {
                        "."
                    }
                ))
                .k(el("button")
                    .at("type", "button")
                    .c("ghost")
                    .click(crate::app::click(
                        ctx,
                        crate::app::Msg::SlotMap(Some(KeyAct::Clear)),
                    ))
                    .t("Clear")
                    .h());
        }
        el("section")
            .c("slotmap panel")
            .at("aria-labelledby", "sm-title")
            .raw(r#"<h2 id="sm-title">All 16384 slots</h2><p class="hint" id="sm-help">One square per slot, 128 a row. Arrows: 1 slot or row; Page Up/Down: 1024; Home/End: slot 0/16383. Click or Enter: a range's first, then last slot.</p>"#.into())
            .k(el("div")
                .c("sm-box")
                .at("role", "application")
                .at("tabindex", "0")
                .at("aria-label", "Slot map")
                .at("aria-describedby", "sm-help")
                .on(Rc::new(onkeydown::Wrapper::new(ctx.link().callback(
                    move |e: KeyboardEvent| {
                        let act = key_act(at, e.key_code());
                        if act.is_some() {
                            e.prevent_default();
                        }
                        crate::app::Msg::SlotMap(act)
                    },
                ))))
                .on(Rc::new(onmousemove::Wrapper::new(ctx.link().callback(pointer))))
                // The pointer's mousemove put the cursor on the slot clicked.
                .click(crate::app::click(
                    ctx,
                    crate::app::Msg::SlotMap(Some(KeyAct::Pick(at))),
                ))
                .raw(svg)
                .h())
            .k(el("p").c("sm-live").at("aria-live", "polite").s(live).h())
            .k(range_line.h())
            .raw(text)
            .h()
    }
}

/// Appends at most three rectangles covering slots `a..=b` of the grid.
fn band(s: &mut String, a: u16, b: u16) {
    let mut rect = |row: u16, col: u16, rows: u16, cols: u16| {
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="{}" height="{}"/>"#,
            PAD + usize::from(col) * CELL,
            PAD + usize::from(row) * CELL,
            usize::from(cols) * CELL,
            usize::from(rows) * CELL
        );
    };
    let (ra, ca, rb, cb) = (a / COLS, a % COLS, b / COLS, b % COLS);
    if ra == rb {
        rect(ra, ca, 1, cb - ca + 1);
        return;
    }
    let mut top = ra;
    if ca > 0 {
        rect(ra, ca, 1, COLS - ca);
        top += 1;
    }
    let mut bottom = rb + 1;
    if cb < COLS - 1 {
        rect(rb, 0, 1, cb + 1);
        bottom = rb;
    }
    if bottom > top {
        rect(top, 0, bottom - top, COLS);
    }
}

/// A node's name, escaped.
fn name(names: &[String], i: NodeIdx) -> String {
    esc(names.get(i as usize).map_or("?", |n| n.as_str()))
}

/// The drawing, and the text that says what it shows. The drawing: owners' areas
/// (outlined by CSS) with their names on a hatched ground (slots no node serves), slots
/// in a migration hatched and outlined, the key's slot circled with pointers on the top
/// and left edges, then the range and the cursor. The text: the key's slot and its
/// owner, the slots in a migration, and a legend of each node's colour, name and ranges.
pub fn picture(o: &SlotOverview, names: &[String], key_slot: u16, m: &SlotMap) -> (String, String) {
    let mut s = String::from(
        r#"<svg viewBox="0 0 1360 1360" aria-hidden="true" focusable="false"><pattern id="sm-hatch" width="14" height="14" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="14" fill="currentColor"/></pattern><rect x="40" y="40" width="1280" height="1280" fill="url(#sm-hatch)"/>"#,
    );
    let mut legend = String::from(r#"<ul class="sm-legend" aria-label="Owners">"#);
    let mut key_owner = String::from("no node");
    for (i, n) in names.iter().enumerate() {
        let n = esc(n);
        let c = COLOURS[i % 16];
        let _ = write!(s, r#"<g fill="{c}">"#);
        let _ = write!(
            legend,
            r#"<li style="border-color:{c}"><strong>{n}</strong>: slots"#
        );
        let mut sep = " ";
        for &(a, b, w) in &o.runs {
            if w == Some(i as NodeIdx) {
                band(&mut s, a, b);
                let _ = write!(legend, "{sep}{}", range(a, b));
                sep = ", ";
                if (a..=b).contains(&key_slot) {
                    key_owner.clone_from(&n);
                }
                // Names inside areas at least six full rows high.
                let (first, end) = (a.div_ceil(COLS), (b + 1) / COLS);
                if end >= first + 6 {
                    let _ = write!(
                        s,
                        r#"<text class="sm-lbl" x="680" y="{}">{n}</text>"#,
                        PAD + usize::from(first + end) * CELL / 2
                    );
                }
            }
        }
        s.push_str("</g>");
        legend.push_str(if sep == " " { " none</li>" } else { "</li>" });
    }
    legend.push_str("</ul>");
    let mut t = format!(
        r#"<p><span aria-hidden="true">▼ ◯ </span>The current key's slot: <strong>{key_slot}</strong>, served by {key_owner}.</p>"#
    );
    s.push_str(r#"<g class="sm-mig">"#);
    if !o.moving.is_empty() {
        t.push_str(r#"<p class="mig"><span aria-hidden="true">⇄ </span>In migration (hatched):"#);
    }
    for &(a, b, from, to) in &o.moving {
        band(&mut s, a, b);
        let _ = write!(
            t,
            " {} {} from {} to {};",
            if a == b { "slot" } else { "slots" },
            range(a, b),
            name(names, from),
            name(names, to)
        );
    }
    if !o.moving.is_empty() {
        t.pop();
        t.push_str(".</p>");
    }
    if o.runs.iter().any(|r| r.2.is_none()) {
        t.push_str("<p>Hatched: slots no node serves.</p>");
    }
    t.push_str(&legend);
    let (kx, ky) = (x_of(key_slot) + CELL / 2, y_of(key_slot) + CELL / 2);
    let _ = write!(
        s,
        r#"</g><g class="sm-key"><path d="M{kx} 36l-16 -32h32zM36 {ky}l-32 -16v32z"/><circle cx="{kx}" cy="{ky}" r="30"/></g>"#
    );
    marks(&mut s, m);
    (s, t)
}

fn x_of(slot: u16) -> usize {
    PAD + usize::from(slot % COLS) * CELL
}

fn y_of(slot: u16) -> usize {
    PAD + usize::from(slot / COLS) * CELL
}

/// The marks of the chosen range (dashed while its last slot is still to pick) and of
/// the cursor, ending the drawing.
fn marks(s: &mut String, m: &SlotMap) {
    if let Some((a, b)) = m.chosen {
        s.push_str(if m.open {
            r#"<g class="sm-sel pending">"#
        } else {
            r#"<g class="sm-sel">"#
        });
        band(s, a, b);
        s.push_str("</g>");
    }
    if let Some(c) = m.cursor {
        let _ = write!(
            s,
            r#"<rect class="sm-cur" x="{}" y="{}" width="50" height="50"/>"#,
            x_of(c) - 2 * CELL,
            y_of(c) - 2 * CELL
        );
    }
    s.push_str("</svg>");
}

/// The live line: "Slot 9308: owned by Node 2 (127.0.0.1:7001), stable, 3 keys" (plain
/// text: the page escapes it).
pub fn describe(d: &SlotDetail, names: &[String], sim: &Sim, key_slot: u16) -> String {
    let name = |i: NodeIdx| names.get(i as usize).map_or("?", |n| n.as_str());
    let mut s = format!("Slot {}: ", d.slot);
    match d
        .owner
        .and_then(|i| Some((i, sim.cluster().nodes.get(i as usize)?)))
    {
        Some((i, n)) => {
            let _ = write!(s, "owned by {} ({})", name(i), n.addr());
        }
        None => s.push_str("served by no node"),
    }
    if let Some((n, to)) = d.migrating {
        let _ = write!(s, ", MIGRATING on {} to {}", name(n), name(to));
    }
    if let Some((n, from)) = d.importing {
        let _ = write!(s, ", IMPORTING on {} from {}", name(n), name(from));
    }
    if d.migrating.is_none() && d.importing.is_none() {
        s.push_str(", stable");
    }
    let _ = write!(s, ", {}", plural(d.keys, "key", "keys"));
    if d.slot == key_slot {
        s.push_str(", the current key's slot");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotscope_sim::slot_overview::overview;
    use slotscope_sim::world::Scenario;

    #[test]
    fn keys_move_the_cursor_within_the_grid() {
        let (left, up, right, down) = (37, 38, 39, 40);
        let (page_up, page_down, end, home) = (33, 34, 35, 36);
        assert_eq!(key_act(9308, left), Some(KeyAct::Move(9307)));
        assert_eq!(key_act(9308, right), Some(KeyAct::Move(9309)));
        assert_eq!(key_act(9308, up), Some(KeyAct::Move(9180)));
        assert_eq!(key_act(9308, down), Some(KeyAct::Move(9436)));
        assert_eq!(key_act(9308, page_up), Some(KeyAct::Move(8284)));
        assert_eq!(key_act(9308, page_down), Some(KeyAct::Move(10332)));
        assert_eq!(key_act(9308, home), Some(KeyAct::Move(0)));
        assert_eq!(key_act(9308, end), Some(KeyAct::Move(16383)));
        // Edges: a move stops at the first or the last slot.
        assert_eq!(key_act(0, left), Some(KeyAct::Move(0)));
        assert_eq!(key_act(16383, right), Some(KeyAct::Move(16383)));
        assert_eq!(key_act(5, up), Some(KeyAct::Move(0)));
        assert_eq!(key_act(16300, down), Some(KeyAct::Move(16383)));
        assert_eq!(key_act(100, page_up), Some(KeyAct::Move(0)));
        assert_eq!(key_act(16000, page_down), Some(KeyAct::Move(16383)));
        let (enter, space, escape, tab, a) = (13, 32, 27, 9, 65);
        assert_eq!(key_act(7, enter), Some(KeyAct::Pick(7)));
        assert_eq!(key_act(7, space), Some(KeyAct::Pick(7)));
        assert_eq!(key_act(7, escape), Some(KeyAct::Clear));
        assert_eq!(key_act(7, tab), None);
        assert_eq!(key_act(7, a), None);
    }

    #[test]
    fn two_picks_make_a_range_in_either_order() {
        let mut m = SlotMap::default();
        assert!(m.update(Some(KeyAct::Move(9308))));
        assert!(!m.update(Some(KeyAct::Move(9308))), "same slot: no redraw");
        assert!(!m.update(None));
        m.update(Some(KeyAct::Pick(2000)));
        assert_eq!((m.range(), m.open), (Some((2000, 2000)), true));
        m.update(Some(KeyAct::Pick(100)));
        assert_eq!((m.range(), m.open), (Some((100, 2000)), false));
        // A third pick starts a new range.
        m.update(Some(KeyAct::Pick(5)));
        assert_eq!((m.range(), m.open), (Some((5, 5)), true));
        m.update(Some(KeyAct::Clear));
        assert_eq!((m.range(), m.open, m.cursor), (None, false, Some(5)));
    }

    fn rects(s: &str) -> usize {
        s.matches("<rect ").count()
    }

    #[test]
    fn a_run_is_at_most_three_rectangles() {
        let mut s = String::new();
        band(&mut s, 9308, 9308);
        assert_eq!(s, r#"<rect x="960" y="760" width="10" height="10"/>"#);
        let mut s = String::new();
        band(&mut s, 0, 16383);
        assert_eq!(s, r#"<rect x="40" y="40" width="1280" height="1280"/>"#);
        let mut s = String::new();
        band(&mut s, 5001, 16383);
        assert_eq!(rects(&s), 2);
        let mut s = String::new();
        band(&mut s, 100, 300);
        assert_eq!(rects(&s), 3);
        let mut s = String::new();
        band(&mut s, 120, 130);
        assert_eq!(rects(&s), 2);
    }

    #[test]
    fn sixteen_nodes_each_get_a_colour_a_name_and_a_legend_line() {
        let names: Vec<String> = (1..=16).map(|i| format!("Node {i}")).collect();
        let o = overview(&slotscope_sim::layout::even(16));
        let (svg, text) = picture(&o, &names, 12182, &SlotMap::default());
        // 16 owner runs of 1024 slots (8 full rows each): one rectangle each, plus the
        // hatch pattern's and the hatched background's (unassigned slots).
        assert_eq!(rects(&svg), 16 + 2, "{svg}");
        for (i, c) in COLOURS.iter().enumerate() {
            assert!(
                svg.contains(&format!(r#"<g fill="{c}"><rect "#)),
                "colour {i}"
            );
            let label = format!(
                r#"<text class="sm-lbl" x="680" y="{}">Node {}</text>"#,
                80 * i + 80,
                i + 1
            );
            assert!(svg.contains(&label), "label {i}: {label}");
        }
        assert!(
            svg.contains(r#"<g class="sm-mig"></g>"#),
            "nothing in migration"
        );
        // The key's pointers: slot 12182 is row 95, column 22.
        assert!(svg.contains(r#"<path d="M265 36l-16 -32h32zM36 995l-32 -16v32z"/>"#));
        assert!(svg.len() < 3000, "{}", svg.len());
        assert!(
            text.contains("<strong>12182</strong>, served by Node 12."),
            "{text}"
        );
        assert_eq!(text.matches("<li ").count(), 16);
        assert!(text.contains(&format!(
            r#"<li style="border-color:{}"><strong>Node 16</strong>: slots 15360-16383</li>"#,
            COLOURS[15]
        )));
        assert!(!text.contains("Hatched") && !text.contains("In migration"));
    }

    #[test]
    fn migrating_slots_are_outlined_and_listed_and_names_escaped() {
        let sim = Sim::new(Scenario::Ask, "{user:7}:cart");
        let kv = sim.key_view("{user:7}:cart");
        let (from, to) = kv.migration.unwrap();
        let names = sim.names();
        let mut o = sim.slot_overview();
        let (svg, text) = picture(&o, names, kv.slot, &SlotMap::default());
        assert!(svg.contains(&format!(
            r#"<g class="sm-mig"><rect x="{}" y="{}" width="10" height="10"/></g>"#,
            40 + kv.slot % 128 * 10,
            40 + kv.slot / 128 * 10
        )));
        assert!(svg.contains(">Node 1</text>") && svg.contains(">Node 2</text>"));
        assert!(text.contains(&format!(
            "In migration (hatched): slot {} from Node {} to Node {}.</p>",
            kv.slot,
            from + 1,
            to + 1
        )));
        let line = describe(&sim.slot_detail(kv.slot), names, &sim, kv.slot);
        assert_eq!(
            line,
            format!(
                "Slot {}: owned by Node {} (127.0.0.1:700{from}), MIGRATING on Node {} to Node {}, IMPORTING on Node {} from Node {}, 3 keys, the current key's slot",
                kv.slot,
                from + 1,
                from + 1,
                to + 1,
                to + 1,
                from + 1
            )
        );
        let calm = describe(&sim.slot_detail(0), names, &sim, kv.slot);
        assert_eq!(
            calm,
            "Slot 0: owned by Node 1 (127.0.0.1:7000), stable, 0 keys"
        );
        let names = vec!["<b>".to_string(), "Node 2".to_string()];
        o.runs = vec![(0, 99, None), (100, 16383, Some(0))];
        o.moving.clear();
        let (svg, text) = picture(&o, &names, 0, &SlotMap::default());
        assert!(!svg.contains("<b>") && svg.contains("&lt;b&gt;"));
        assert!(text.contains("<p>Hatched: slots no node serves.</p>"));
        assert!(text.contains("<strong>&lt;b&gt;</strong>: slots 100-16383</li>"));
        assert!(text.contains("<strong>Node 2</strong>: slots none</li>"));
        assert!(!text.contains("<b>"));
    }

    #[test]
    fn the_cursor_and_the_range_are_marked() {
        let mut m = SlotMap::default();
        let mut s = String::new();
        marks(&mut s, &m);
        assert_eq!(s, "</svg>");
        m.update(Some(KeyAct::Pick(0)));
        m.update(Some(KeyAct::Move(127)));
        let mut s = String::new();
        marks(&mut s, &m);
        assert_eq!(
            s,
            r#"<g class="sm-sel pending"><rect x="40" y="40" width="10" height="10"/></g><rect class="sm-cur" x="1290" y="20" width="50" height="50"/></svg>"#
        );
        m.update(Some(KeyAct::Pick(128)));
        let mut s = String::new();
        marks(&mut s, &m);
        // Slots 0-128: row 0 and the first slot of row 1.
        assert!(s.starts_with(r#"<g class="sm-sel"><rect x="40" y="50" width="10" height="10"/><rect x="40" y="40" width="1280" height="10"/></g>"#), "{s}");
    }
}
