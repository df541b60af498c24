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

/// The cluster and the clients at the session's moment, for a person reading the file:
/// each node's address, slot ranges, migrations and key count; each client's policy,
/// counters and slot map. The steps (`"ops"`) rebuild the session; opening a file checks
/// that they rebuild this state.
fn state(w: &World) -> Json {
    let num = |n: u64| Json::Num(n as f64);
    let range = |a: u16, b: u16| Json::Arr(vec![num(a.into()), num(b.into())]);
    let names = w.names();
    let name = |n: u16| Json::Str(names.get(usize::from(n)).cloned().unwrap_or_default());
    let moves = |m: &[(u16, String)]| {
        Json::Arr(
            m.iter()
                .map(|(slot, other)| Json::Arr(vec![num((*slot).into()), Json::Str(other.clone())]))
                .collect(),
        )
    };
    let nodes = w
        .cards()
        .into_iter()
        .map(|n| {
            Json::Obj(vec![
                ("name".into(), Json::Str(n.name)),
                ("address".into(), Json::Str(n.addr)),
                (
                    "slots".into(),
                    Json::Arr(n.ranges.iter().map(|&(a, b)| range(a, b)).collect()),
                ),
                ("migrating".into(), moves(&n.migrating)),
                ("importing".into(), moves(&n.importing)),
                ("keys".into(), num(n.key_count as u64)),
            ])
        })
        .collect();
    let clients = w
        .clients()
        .into_iter()
        .zip(w.client_maps())
        .map(|(c, map)| {
            let k = &c.counters;
            Json::Obj(vec![
                ("name".into(), Json::Str(c.name)),
                ("policy".into(), Json::Str(c.policy_id.into())),
                (
                    "counters".into(),
                    Json::Obj(vec![
                        ("requests".into(), num(k.requests)),
                        ("hops".into(), num(k.hops)),
                        ("moved".into(), num(k.moved)),
                        ("ask".into(), num(k.ask)),
                        ("tryagain".into(), num(k.tryagain)),
                        ("clusterdown".into(), num(k.clusterdown)),
                        ("refreshes".into(), num(k.refreshes)),
                        ("errors".into(), num(k.errors)),
                    ]),
                ),
                (
                    "map".into(),
                    Json::Arr(
                        map.into_iter()
                            .map(|(a, b, n)| Json::Arr(vec![num(a.into()), num(b.into()), name(n)]))
                            .collect(),
                    ),
                ),
            ])
        })
        .collect();
    Json::Obj(vec![
        ("nodes".into(), Json::Arr(nodes)),
        ("clients".into(), Json::Arr(clients)),
    ])
}

/// `session-save`: the session at the link (the attached query string) as a JSON save
/// file: its steps and position (see `World::export_json`), the state they lead to
/// (`"state"`, see [`state`]) and the key box's text when it differs from the session's
/// key (`"input"`).
pub fn save(link: &str) -> Result<String, String> {
    let args = &query(link);
    let w = world(args)?;
    let mut json = parse(&w.export_json())?;
    if let Json::Obj(fields) = &mut json {
        fields.push(("state".into(), state(&w)));
        if let Some(input) = args.get("input") {
            fields.push(("input".into(), Json::Str(input.into())));
        }
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
    let json = parse(file)?;
    let w = World::import_save(&json)?;
    if json.get("state").is_some_and(|s| *s != state(&w)) {
        return Err(
            "its \"state\" is not what its steps lead to (the file was changed by hand?)".into(),
        );
    }
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
    if let Some(input) = json.get("input").and_then(Json::as_str) {
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
        let steps = w.export_json();
        assert!(file.starts_with(&steps[..steps.len() - 1]), "{file}");
        assert_eq!(open(&file).unwrap(), link);
        assert_eq!(log(&link).unwrap(), w.log_text());
        // The key box's text travels with the file.
        let typed = format!("{link}&input=user+100");
        let file = save(&typed).unwrap();
        assert!(file.starts_with(&steps[..steps.len() - 1]));
        assert_eq!(open(&file).unwrap(), format!("{link}&input=user%20100"));
    }

    #[test]
    fn the_file_lists_the_cluster_and_clients_and_opening_checks_them() {
        let mut w = World::preset(Scenario::Ask, "{user:7}:cart", "jedis", 7).unwrap();
        w.add_client("go-redis").unwrap();
        w.send(slotscope_sim::world::Request::Get("{user:7}:cart".into()))
            .unwrap();
        w.finish();
        let ops = link::encode(w.ops()).unwrap();
        let file = save(&format!("scenario=ask&policy=jedis&seed=7&ops={ops}")).unwrap();
        let json = parse(&file).unwrap();
        let st = json.get("state").unwrap();
        // Every node with its slots and migrations, as the cluster's own view has them.
        let Some(Json::Arr(nodes)) = st.get("nodes") else {
            panic!("no nodes in {file}")
        };
        assert_eq!(nodes.len(), w.cards().len());
        for (n, card) in nodes.iter().zip(w.cards()) {
            assert_eq!(
                n.get("name").and_then(Json::as_str),
                Some(card.name.as_str())
            );
            assert_eq!(
                n.get("address").and_then(Json::as_str),
                Some(card.addr.as_str())
            );
            let Some(Json::Arr(slots)) = n.get("slots") else {
                panic!("no slots")
            };
            assert_eq!(slots.len(), card.ranges.len());
        }
        assert!(file.contains("\"migrating\":[[") && file.contains("\"importing\":[["));
        // Both clients, each with its policy and its own map.
        let Some(Json::Arr(clients)) = st.get("clients") else {
            panic!("no clients")
        };
        let policies: Vec<_> = clients
            .iter()
            .map(|c| c.get("policy").and_then(Json::as_str).unwrap())
            .collect();
        assert_eq!(policies, ["jedis", "go-redis"]);
        assert!(clients
            .iter()
            .all(|c| matches!(c.get("map"), Some(Json::Arr(m)) if !m.is_empty())));
        // The state is checked against what the steps rebuild: a hand-edited one is refused.
        assert!(open(&file).is_ok());
        let edited = file.replacen("\"keys\":", "\"keys\":1000", 1);
        assert_ne!(edited, file);
        assert!(open(&edited)
            .unwrap_err()
            .contains("not what its steps lead to"));
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
