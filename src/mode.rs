//! How the page is displayed (`embed`, `controls`, `theme`, `projector`), read from the
//! same query string as [`crate::url`]. Each choice becomes a class on the app's root
//! element; the stylesheet does the rest.

use crate::text::clip;
use crate::url::Notice;

/// Each display parameter and its choices, the default first.
const CHOICES: [(&str, &[&str]); 4] = [
    ("embed", &["0", "1"]),
    ("controls", &["full", "minimal"]),
    ("theme", &["auto", "light", "dark"]),
    ("projector", &["0", "1"]),
];

/// Every parameter name the page reads; an embedded widget's attribute outside this
/// list is reported.
pub const KNOWN: [&str; 11] = [
    "scenario",
    "key",
    "policy",
    "seed",
    "ops",
    "step",
    "input",
    "embed",
    "controls",
    "theme",
    "projector",
];

/// The display mode: classes for the root element, and what could not be used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mode {
    /// `app` plus `name-value` for every parameter not at its default (`theme-dark`).
    pub class: String,
    /// Parameters that fell back to their default.
    pub notices: Vec<Notice>,
}

/// Reads the display parameters from the query's decoded `pairs` (see
/// [`crate::url::parse_query`]; the first of repeated names counts). A value that is not
/// a choice falls back to the default with a notice; `strict` also reports names outside
/// [`KNOWN`] (an embedded widget's attributes, where an unknown name is a typo).
#[inline(never)]
pub fn resolve(pairs: &[(String, String)], strict: bool) -> Mode {
    let mut mode = Mode {
        class: "app".into(),
        notices: Vec::new(),
    };
    for (name, choices) in CHOICES {
        let Some((_, raw)) = pairs.iter().find(|(n, _)| n == name) else {
            continue;
        };
        let mut v = raw.trim().to_ascii_lowercase();
        // `?embed` and a bare `projector` attribute switch the mode on.
        if choices[1] == "1" {
            v = match v.as_str() {
                "" | "true" => "1".into(),
                "false" => "0".into(),
                _ => v,
            };
        }
        match choices.iter().position(|c| *c == v) {
            Some(0) => {}
            Some(_) => {
                mode.class += " ";
                mode.class += name;
                mode.class += "-";
                mode.class += &v;
            }
            None => mode.notices.push(Notice {
                param: name.into(),
                text: format!(
                    "\"{}\" is not a choice for {name} ({}). Using {name}={}.",
                    clip(raw, 60),
                    choices.join(", "),
                    choices[0]
                ),
            }),
        }
    }
    for (name, _) in pairs.iter().filter(|_| strict) {
        if !KNOWN.contains(&name.as_str()) {
            mode.notices.push(Notice {
                param: clip(name, 60),
                text: format!(
                    "Unknown attribute \"{}\" ignored (known: {}).",
                    clip(name, 60),
                    KNOWN.join(", ")
                ),
            });
        }
    }
    mode
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::parse_query;

    fn mode(query: &str, strict: bool) -> Mode {
        resolve(&parse_query(query), strict)
    }

    #[test]
    fn choices_become_classes() {
        assert_eq!(mode("", false).class, "app");
        let m = mode("?theme=Dark&embed&projector=true&controls=minimal", false);
        assert_eq!(
            m.class,
            "app embed-1 controls-minimal theme-dark projector-1"
        );
        assert!(m.notices.is_empty());
        // Defaults add nothing; the first of repeated names counts.
        let m = mode(
            "?theme=auto&embed=0&controls=full&projector=false&theme=dark",
            false,
        );
        assert_eq!(m.class, "app");
        assert_eq!(mode("?theme=%64ark", false).class, "app theme-dark");
    }

    #[test]
    fn bad_values_fall_back_with_a_notice() {
        let m = mode("?theme=blue&embed=yes&scenario=ask&utm_source=x", false);
        assert_eq!(m.class, "app");
        let params: Vec<&str> = m.notices.iter().map(|n| n.param.as_str()).collect();
        assert_eq!(params, ["embed", "theme"]);
        assert!(m.notices[1].text.contains("\"blue\""));
        assert!(m.notices[1].text.contains("auto, light, dark"));
    }

    #[test]
    fn strict_reports_unknown_names() {
        let m = mode("?scenaro=ask&key=k&theme=dark", true);
        assert_eq!(m.class, "app theme-dark");
        assert_eq!(m.notices.len(), 1);
        assert_eq!(m.notices[0].param, "scenaro");
        // The page address may carry anything (url.rs decides what to say about it).
        assert!(mode("?scenaro=ask", false).notices.is_empty());
    }
}
