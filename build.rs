//! Generates one doctest item per Markdown file under `book/src`, so that every Rust
//! listing in the book is compiled and run by `cargo test` with no per-chapter code.
//!
//! Output: `$OUT_DIR/book_doctests.rs`, with lines like
//! `#[doc = include_str!("/abs/book/src/ch01-entropy.md")] pub struct Ch01Entropy;`
//! and `$OUT_DIR/book_chapters.txt`, the list of included files relative to `book/src`,
//! which `tests/book.rs` checks against `SUMMARY.md`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let book_src = root.join("book").join("src");
    println!("cargo:rerun-if-changed=book/src");

    let mut files = Vec::new();
    if book_src.is_dir() {
        walk(&book_src, &mut files);
    }
    files.sort();

    let mut items = String::new();
    let mut list = String::new();
    let mut names = std::collections::BTreeSet::new();
    for file in &files {
        // Every file (not only directories) is watched, so editing a chapter reruns this.
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file.strip_prefix(&book_src).expect("under book/src");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let mut name = item_name(&rel);
        while !names.insert(name.clone()) {
            name.push('X'); // two paths that camel-case alike
        }
        // The item's name is what a failing doctest reports: `Ch01Entropy (line 42)`.
        items.push_str(&format!(
            "/// `{rel}`\n#[doc = include_str!({path:?})]\npub struct {name};\n",
            path = file.to_string_lossy(),
        ));
        list.push_str(&rel);
        list.push('\n');
    }

    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    fs::write(out.join("book_doctests.rs"), items).expect("write book_doctests.rs");
    fs::write(out.join("book_chapters.txt"), list).expect("write book_chapters.txt");
}

/// `ch01-entropy.md` → `Ch01Entropy`; `part/intro.md` → `PartIntro`.
fn item_name(rel: &str) -> String {
    let stem = rel.strip_suffix(".md").unwrap_or(rel);
    let mut name = String::new();
    for word in stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        name.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        name.extend(chars);
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert(0, 'B');
    }
    name
}

/// Collects every `.md` file below `dir`, recursively, watching each directory.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read book/src")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
}
