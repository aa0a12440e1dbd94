//! Helpers shared by the integration tests: locating the project's corpus and the optional
//! shared data sets (tests that need the latter skip cleanly when it is absent).

pub mod cases;

use std::path::{Path, PathBuf};

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/data/<name>` when present.
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let p = project_dir().join("..").join("shared").join("data").join(name);
    p.is_dir().then_some(p)
}

/// Every `*.json` file below `dir`, sorted.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
