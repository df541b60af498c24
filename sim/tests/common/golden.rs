//! Where the golden capture of a real Redis 7.0 cluster lives. Shared by the core's tests
//! (through `common`) and the tools crate's tests (included by path), so both read the
//! same folder the same way.

use std::path::PathBuf;

/// Folder of the golden capture: `$SLOTSCOPE_GOLDEN`, else `../shared/golden/redis-7.0`
/// beside the repository.
pub fn golden_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("SLOTSCOPE_GOLDEN") {
        return PathBuf::from(dir);
    }
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = repo.join("../shared/golden/redis-7.0");
    assert!(
        dir.join("replies.jsonl").exists(),
        "golden data not found at {} (set SLOTSCOPE_GOLDEN)",
        dir.display()
    );
    dir
}

/// The folders of the captured topology dumps (one per phase of the capture), in order.
pub fn topology_phases() -> Vec<PathBuf> {
    let root = golden_dir().join("topology");
    let mut phases: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    phases.sort();
    phases
}
