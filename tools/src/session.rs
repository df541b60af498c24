//! Sessions to and from files: the page sends the query string of its link to the current
//! moment (`scenario`, `key`, `policy`, `seed`, `ops`, `step`, `input`; others are
//! ignored) and gets back the session's JSON save file or its log as text; a save file a
//! person opens comes back as the link to its moment, which the page opens.

use slotscope_sim::json::{parse, Json};
use slotscope_sim::link;
use slotscope_sim::query::{escape, parse_query};
use slotscope_sim::timeline::{Origin, World};
use slotscope_sim::world::Scenario;

use crate::Args;

/// The world the link's parts describe (refused with the reason).
fn world(args: &Args) -> Result<World, String> {
    let id = args.get("scenario").unwrap_or("moved");
    let scenario = Scenario::parse(id).ok_or_else(|| format!("unknown scenario {id:?}"))?;
    let key = args.get("key").unwrap_or(scenario.default_key());
    let policy = args.get("policy").unwrap_or("redis-py");
    let seed = match args.get("seed") {
        None => 1,
        Some(s) => s.parse().map_err(|_| format!("bad seed {s:?}"))?,
    };
    let mut w = World::preset(scenario, key, policy, seed)?;
    w.replay(link::decode(args.get("ops").unwrap_or(""))?)?;
    if let Some(step) = args.get("step") {
        w.seek(step.parse().map_err(|_| format!("bad step {step:?}"))?);
    }
    Ok(w)
}

/// The name-value pairs of a link's query string, decoded (a line break in a value, which
/// a request line cannot hold, becomes a space).
fn query(text: &str) -> Args {
    let lines: Vec<String> = parse_query(text.trim())
        .into_iter()
        .map(|(n, v)| format!("{n}={}", v.replace('\n', " ")))
        .collect();
    Args::parse(&lines.join("\n"))
}

/// `session-save`: the session at the link (the attached query string) as a JSON save
/// file. The key box's text, when it differs from the session's key (`input`), is kept
/// in the file's `"input"`.
pub fn save(link: &str) -> Result<String, String> {
    let args = &query(link);
    let file = world(args)?.export_json();
    let Some(input) = args.get("input") else {
        return Ok(file);
    };
    let mut json = parse(&file)?;
    if let Json::Obj(fields) = &mut json {
        fields.push(("input".into(), Json::Str(input.into())));
    }
    Ok(json.to_text())
}

/// `session-log`: the log at the link (the attached query string) up to its step, one
/// line per entry.
pub fn log(link: &str) -> Result<String, String> {
    Ok(world(&query(link))?.log_text())
}

/// `session-open`: a save file as the query string (without `?`) of the link that opens
/// it at the same moment.
pub fn open(file: &str) -> Result<String, String> {
    let w = World::import_json(file)?;
    let Origin::Preset(scenario, key, policy) = w.origin() else {
        return Err("this save file starts from a pasted cluster, which the page cannot open as its simulation".into());
    };
    let mut parts = vec![
        ("scenario", scenario.id().to_string()),
        ("key", key.clone()),
        ("policy", policy.clone()),
        ("seed", w.seed().to_string()),
        ("ops", link::encode(w.ops())?),
        ("step", w.position().to_string()),
    ];
    if let Some(input) = parse(file)?.get("input").and_then(Json::as_str) {
        parts.push(("input", input.to_string()));
    }
    let mut query = String::new();
    for (name, value) in parts {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(name);
        query.push('=');
        escape(&value, &mut query);
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_session_opens_at_the_same_moment() {
        let mut w = World::preset(Scenario::Ask, "{user:7}:cart", "jedis", 7).unwrap();
        w.send(slotscope_sim::world::Request::Get("{user:7}:cart".into()))
            .unwrap();
        w.finish();
        let end = w.position();
        w.seek(end - 1);
        let ops = link::encode(w.ops()).unwrap();
        let link = format!(
            "scenario=ask&key=%7Buser:7%7D:cart&policy=jedis&seed=7&ops={ops}&step={}",
            end - 1
        );
        let file = save(&format!("?theme=dark&{link}")).unwrap();
        assert_eq!(file, w.export_json());
        assert_eq!(open(&file).unwrap(), link);
        assert_eq!(log(&link).unwrap(), w.log_text());
        // The key box's text travels with the file.
        let typed = format!("{link}&input=user+100");
        let file = save(&typed).unwrap();
        assert!(file.starts_with(&w.export_json()[..w.export_json().len() - 1]));
        assert_eq!(open(&file).unwrap(), format!("{link}&input=user%20100"));
    }

    #[test]
    fn bad_files_and_links_are_refused_with_the_reason() {
        assert!(open("{}")
            .unwrap_err()
            .contains("not a slotscope save file"));
        assert!(open("not json").is_err());
        assert!(save("scenario=nope").unwrap_err().contains("nope"));
        assert!(save("ops=%25%25").is_err());
        assert!(log("step=x").unwrap_err().contains("bad step"));
    }
}
