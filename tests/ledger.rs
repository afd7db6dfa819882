//! The claim ledger: every numbered claim in the book has a test named after it, every
//! `claim_N_M_*` test refers to a claim that exists, and the appendix lists them all.
//!
//! A claim in a chapter is written as
//!
//! ```text
//! <a id="claim-1-4"></a>
//! > **Claim 1.4.** Statement …
//! >
//! > *Witness:* kind of check · *Test:* `claim_1_4_some_name`, `claim_1_4_other`
//! ```
//!
//! Regenerate the appendix with `MAXENT_BLESS=1 cargo test --test ledger`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use common::{check_generated_block, repo_root};

#[derive(Debug)]
struct Claim {
    number: (u32, u32),
    file: String,
    witness: String,
    tests: Vec<String>,
}

/// Parses `N.M` into numbers.
fn parse_number(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Every claim in every chapter (`book/src/chNN-*.md`), in order.
fn claims() -> Vec<Claim> {
    let dir = repo_root().join("book/src");
    let mut files: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ch") && n.ends_with(".md"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let chapter: u32 = file[2..4].parse().expect("chNN-slug.md");
        let text = fs::read_to_string(dir.join(&file)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if let Some(pos) = line.find("**Claim ") {
                let rest = &line[pos + 8..];
                let end = rest.find("**").expect("closing **");
                let number = parse_number(rest[..end].trim_end_matches('.'))
                    .unwrap_or_else(|| panic!("{file}:{}: bad claim number", i + 1));
                assert_eq!(
                    number.0,
                    chapter,
                    "{file}:{}: Claim {}.{} is in chapter {chapter}",
                    i + 1,
                    number.0,
                    number.1
                );
                assert!(
                    line.starts_with("> **Claim"),
                    "{file}:{}: a claim opens a block quote",
                    i + 1
                );
                let anchor = format!("<a id=\"claim-{}-{}\"></a>", number.0, number.1);
                assert!(
                    i > 0 && lines[i - 1].trim() == anchor,
                    "{file}:{}: Claim {}.{} needs the anchor `{anchor}` on the line above",
                    i + 1,
                    number.0,
                    number.1
                );
                // The block quote continues while lines start with '>'.
                let block: Vec<&str> = lines[i..]
                    .iter()
                    .take_while(|l| l.starts_with('>'))
                    .map(|l| l.trim_start_matches('>').trim())
                    .collect();
                let block = block.join(" ");
                let witness_at = block.find("*Witness:*").unwrap_or_else(|| {
                    panic!("{file}: Claim {}.{} names no witness", number.0, number.1)
                });
                let test_at = block.find("*Test:*").unwrap_or_else(|| {
                    panic!("{file}: Claim {}.{} names no test", number.0, number.1)
                });
                let witness = block[witness_at + 10..test_at]
                    .trim()
                    .trim_end_matches('·')
                    .trim()
                    .to_string();
                let tests: Vec<String> = block[test_at + 7..]
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect();
                out.push(Claim {
                    number,
                    file: file.clone(),
                    witness,
                    tests,
                });
            }
        }
    }
    out
}

/// Names of all test functions `claim_*` under `tests/`.
fn claim_tests() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for entry in fs::read_dir(repo_root().join("tests")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).unwrap();
            for piece in text.split("fn claim_").skip(1) {
                let ident: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // `fn claim_` followed by a digit: a claim test (not this parser's own text).
                if ident.starts_with(|c: char| c.is_ascii_digit()) {
                    names.insert(format!("claim_{ident}"));
                }
            }
        }
    }
    names
}

/// The claim number a test name refers to: `claim_2_13_…` → (2, 13).
fn test_claim_number(name: &str) -> Option<(u32, u32)> {
    let mut parts = name.strip_prefix("claim_")?.split('_');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[test]
fn every_claim_has_a_test_and_every_test_a_claim() {
    let claims = claims();
    assert!(!claims.is_empty());
    let tests = claim_tests();
    let mut numbers = BTreeMap::new();
    for claim in &claims {
        let (n, m) = claim.number;
        assert!(
            numbers.insert(claim.number, &claim.file).is_none(),
            "Claim {n}.{m} is numbered twice"
        );
        assert!(!claim.tests.is_empty(), "Claim {n}.{m} names no test");
        assert!(!claim.witness.is_empty(), "Claim {n}.{m} names no witness");
        for t in &claim.tests {
            assert_eq!(
                test_claim_number(t),
                Some(claim.number),
                "Claim {n}.{m} names test `{t}`, whose name does not start with claim_{n}_{m}_"
            );
            assert!(
                tests.contains(t),
                "Claim {n}.{m} names test `{t}`, which does not exist"
            );
        }
    }
    // Claims within a chapter are numbered 1, 2, 3, … without gaps.
    let mut by_chapter: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (n, m) in numbers.keys() {
        by_chapter.entry(*n).or_default().push(*m);
    }
    for (n, ms) in by_chapter {
        let expected: Vec<u32> = (1..=ms.len() as u32).collect();
        assert_eq!(ms, expected, "chapter {n}: claims are not numbered 1..");
    }
    for t in &tests {
        let number = test_claim_number(t)
            .unwrap_or_else(|| panic!("test `{t}` starts with claim_ but has no claim number"));
        assert!(
            numbers.contains_key(&number),
            "test `{t}` names Claim {}.{}, which is not in the book",
            number.0,
            number.1
        );
    }
}

/// The body of every `fn NAME` under `tests/`: from the name to the next item at the same
/// or a shallower indentation (a closing `}` at the indentation of the `fn`).
fn test_bodies() -> BTreeMap<String, String> {
    let mut bodies = BTreeMap::new();
    for entry in fs::read_dir(repo_root().join("tests")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let trimmed = line.trim_start();
                let Some(rest) = trimmed.strip_prefix("fn ") else {
                    continue;
                };
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let indent = line.len() - trimmed.len();
                let close = format!("{}}}", " ".repeat(indent));
                let body: Vec<&str> = lines[i..]
                    .iter()
                    .take_while(|l| !l.starts_with(&close) || l.len() > close.len())
                    .copied()
                    .collect();
                bodies.insert(name, body.join("\n"));
            }
        }
    }
    bodies
}

/// A claim's witness is a check, not a comparison of generated output with its own earlier
/// version: every `claim_*` test asserts something itself, and a test that compares a table
/// or figure with the saved one (a regression check) is not named after a claim.
#[test]
fn claim_tests_are_witnesses_not_golden_comparisons() {
    let bodies = test_bodies();
    for name in claim_tests() {
        let body = bodies
            .get(&name)
            .unwrap_or_else(|| panic!("no body found for `{name}`"));
        assert!(
            body.contains("assert"),
            "`{name}` asserts nothing itself: a claim's test must check the claim"
        );
        let golden =
            body.contains("check_generated_block") || body.contains("check_generated_file");
        // A claim test may also refresh a generated block, but only beside its own checks:
        // strip the generated-block call and look for an assertion in what remains.
        if golden {
            let without: String = body
                .split("check_generated")
                .next()
                .unwrap_or_default()
                .to_string();
            assert!(
                without.contains("assert"),
                "`{name}` compares generated output before checking anything; \
                 name it as a regression check, not after a claim"
            );
        }
    }
}

#[test]
fn appendix_lists_every_claim() {
    let tests = claim_tests();
    let mut list = String::new();
    for claim in claims() {
        let (n, m) = claim.number;
        // All tests carrying the number, not only those named in the text.
        let all: Vec<String> = tests
            .iter()
            .filter(|t| test_claim_number(t) == Some(claim.number))
            .map(|t| format!("`{t}`"))
            .collect();
        list.push_str(&format!(
            "- **[{n}.{m}]({file}#claim-{n}-{m})** {witness}. \\\n  Tests: {tests}\n",
            file = claim.file,
            witness = claim.witness.trim_end_matches('.'),
            tests = all.join(", ")
        ));
    }
    check_generated_block("book/src/appendix-claims.md", "claims", &list);
}
