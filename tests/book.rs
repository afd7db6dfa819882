//! The book is under test: every chapter in `SUMMARY.md` has its listings compiled and
//! run as doctests (through `build.rs`), no listing opts out, and every figure exists.

mod common;

use std::collections::BTreeSet;
use std::fs;

use common::repo_root;

/// Chapter files linked from `SUMMARY.md`, relative to `book/src`.
fn summary_chapters() -> Vec<String> {
    let summary = fs::read_to_string(repo_root().join("book/src/SUMMARY.md")).unwrap();
    summary
        .split("](")
        .skip(1)
        .filter_map(|s| s.split(')').next())
        .filter(|s| s.ends_with(".md"))
        .map(str::to_string)
        .collect()
}

/// Markdown files `build.rs` included as doctests.
fn doctested_files() -> BTreeSet<String> {
    let list = include_str!(concat!(env!("OUT_DIR"), "/book_chapters.txt"));
    list.lines().map(str::to_string).collect()
}

#[test]
fn every_summary_chapter_is_doctested() {
    let chapters = summary_chapters();
    assert!(chapters.len() >= 3, "SUMMARY.md lists {chapters:?}");
    let tested = doctested_files();
    for chapter in &chapters {
        assert!(
            repo_root().join("book/src").join(chapter).is_file(),
            "SUMMARY.md links {chapter}, which does not exist"
        );
        assert!(
            tested.contains(chapter),
            "{chapter} is in SUMMARY.md but its listings are not under test \
             (build.rs did not include it)"
        );
    }
}

/// Every fenced block: its info string, the file and line.
fn fences() -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for file in doctested_files() {
        let text = fs::read_to_string(repo_root().join("book/src").join(&file)).unwrap();
        let mut open = false;
        for (i, line) in text.lines().enumerate() {
            if let Some(info) = line.trim_start().strip_prefix("```") {
                if !open {
                    out.push((info.trim().to_string(), file.clone(), i + 1));
                }
                open = !open;
            }
        }
        assert!(!open, "{file}: unclosed code fence");
    }
    out
}

#[test]
fn no_listing_opts_out_of_testing() {
    let mut rust_blocks = 0;
    for (info, file, line) in fences() {
        let attrs: Vec<&str> = info.split(',').map(str::trim).collect();
        assert!(
            !attrs.contains(&"ignore"),
            "{file}:{line}: `ignore` listings are not allowed; every listing runs"
        );
        // Untagged fences are compiled as Rust by rustdoc: prose blocks must say `text`.
        let is_rust = info.is_empty() || attrs.contains(&"rust");
        let known_other = ["text", "toml", "console", "sh", "python", "math"];
        assert!(
            is_rust || known_other.contains(&attrs[0]),
            "{file}:{line}: fence `{info}` is neither Rust nor a known non-code language"
        );
        if attrs.contains(&"no_run") || attrs.contains(&"compile_fail") {
            panic!("{file}:{line}: `{info}` needs a reason in the text and a review");
        }
        rust_blocks += usize::from(is_rust);
    }
    assert!(rust_blocks > 0);
}

#[test]
fn every_image_exists() {
    for file in doctested_files() {
        let text = fs::read_to_string(repo_root().join("book/src").join(&file)).unwrap();
        // Images stand on their own line in this book (`vec![…]` in listings is not one).
        for line in text.lines().filter(|l| l.starts_with("![")) {
            let target = line
                .split_once("](")
                .and_then(|(_, rest)| rest.split(')').next())
                .unwrap_or_else(|| panic!("{file}: malformed image"));
            assert!(
                repo_root().join("book/src").join(target).is_file(),
                "{file}: image {target} does not exist"
            );
        }
    }
}

/// The crate is not published, so docs.rs has no pages for it: a link there is a dead
/// link. Name items in code spans (`cargo doc --open` shows them) instead.
#[test]
fn no_links_to_unpublished_docs() {
    let root = repo_root();
    let mut files = vec![root.join("README.md")];
    for entry in fs::read_dir(root.join("book/src")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            assert!(
                !line.contains("docs.rs/maxent"),
                "{}:{}: links to docs.rs, where this crate has no pages",
                path.display(),
                i + 1
            );
        }
    }
}
