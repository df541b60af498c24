//! The replay tool reproduces the golden capture from the command line and reports
//! bad input with its line number.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn replay(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slotscope-replay"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start slotscope-replay");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn replays_the_golden_script() {
    let script = std::fs::read_to_string(common::golden_dir().join("replies.jsonl")).unwrap();
    let (code, stdout, stderr) = replay(&["--fresh"], &script);
    assert_eq!(code, 0, "{stderr}");
    let golden = common::jsonl("replies.jsonl");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), golden.len());
    let mut compared = 0;
    for (g, o) in golden.iter().zip(&lines) {
        let cmd: Vec<&str> = g["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let clocked =
            cmd[0] == "HELLO" || (cmd[0] == "CLUSTER" && (cmd[1] == "NODES" || cmd[1] == "INFO"));
        if clocked {
            continue;
        }
        let expected = g.get("reply_raw_template").unwrap_or(&g["reply_raw"]);
        assert_eq!(&o["reply_raw"], expected, "seq {}", g["seq"]);
        compared += 1;
    }
    assert!(compared > 160);
}

#[test]
fn starts_in_the_golden_layout_with_placeholder_ids() {
    let line = r#"{"node": "127.0.0.1:7001", "conn": "a", "command": ["CLUSTER", "MYID"]}
{"node": "127.0.0.1:7000", "conn": "a", "command": ["GET", "foo"]}"#;
    let (code, stdout, _) = replay(&[], line);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(r#""reply_raw":"$40\r\n<NODE-ID-7001-------------------------->\r\n""#),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#""reply_raw":"-MOVED 12182 127.0.0.1:7002\r\n""#),
        "{stdout}"
    );
}

#[test]
fn bad_input_names_the_line() {
    let (code, _, stderr) = replay(
        &[],
        "{\"node\": \"127.0.0.1:7000\", \"command\": [\"PING\"]}\nnot json\n",
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("line 2"), "{stderr}");
    let (code, _, stderr) = replay(&[], "{\"node\": \"10.0.0.1:1\", \"command\": [\"PING\"]}\n");
    assert_eq!(code, 2);
    assert!(stderr.contains("no node at 10.0.0.1:1"), "{stderr}");
}
