//! Building and printing command argument vectors.

/// Splits a command line on spaces into an argv (no quoting rules; for tests and presets).
pub fn split(line: &str) -> Vec<Vec<u8>> {
    line.split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| s.as_bytes().to_vec())
        .collect()
}

/// Renders an argv for display, quoting arguments that are empty or contain spaces,
/// quotes or non-printable bytes (as redis-cli would need them typed).
pub fn display(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| display_arg(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders one argument for display (see [`display`]).
pub fn display_arg(arg: &[u8]) -> String {
    let plain = !arg.is_empty()
        && std::str::from_utf8(arg).is_ok_and(|s| {
            s.chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '\'')
        });
    if plain {
        String::from_utf8_lossy(arg).into_owned()
    } else {
        format!(
            "\"{}\"",
            crate::resp::escape_bytes(arg).replace('"', "\\\"")
        )
    }
}
