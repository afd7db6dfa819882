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

// ------------------------------------------------------------ layout guards
//
// The book is read in a column about 750 px wide (mdBook's default content width). Two
// mechanical guards keep content inside it: listing lines are short enough not to scroll,
// and every display equation's rows fit a width budget estimated from its LaTeX. (Display
// math also scrolls instead of being clipped — book/theme/book-fit.css — but a formula a
// reader must scroll is a formula to break over lines with `aligned`.)

/// Longest listing line, in characters, that shows without scrolling at mdBook's code size.
const LISTING_WIDTH: usize = 85;

#[test]
fn listing_lines_fit_the_column() {
    let mut long = Vec::new();
    for file in doctested_files() {
        let text = fs::read_to_string(repo_root().join("book/src").join(&file)).unwrap();
        let mut info: Option<String> = None;
        for (i, line) in text.lines().enumerate() {
            if let Some(rest) = line.trim_start().strip_prefix("```") {
                info = if info.is_none() {
                    Some(rest.trim().to_string())
                } else {
                    None
                };
                continue;
            }
            let Some(info) = &info else { continue };
            let rust = info.is_empty() || info.split(',').any(|a| a.trim() == "rust");
            // Hidden setup lines (`# `) are not shown; verbatim tool output (`text`) may be
            // as wide as the tool printed it (it scrolls).
            if rust && !line.starts_with("# ") && line.chars().count() > LISTING_WIDTH {
                long.push(format!("{file}:{}: {} chars", i + 1, line.chars().count()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "listing lines wider than {LISTING_WIDTH}:\n{}",
        long.join("\n")
    );
}

/// Width budget of display math, in ems of KaTeX's font (1.21 × 16 px = 19.4 px): the
/// 750 px column is 38.7 em. Calibrated against the rendered book (scripts/check-book-layout
/// measures every display equation in Chromium): on the book's 63 display equations the
/// estimate below is between 0.92 and 1.20 times the rendered width, so an estimate under
/// 0.92 · 38.7 ≈ 35.6 em is rendered inside the column; 35 em keeps a little margin.
const DISPLAY_MATH_EM: f64 = 35.0;

/// Every `$$ … $$` block of the chapters, with its file and line.
fn display_math() -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    for file in doctested_files() {
        let text = fs::read_to_string(repo_root().join("book/src").join(&file)).unwrap();
        let mut current: Option<(usize, String)> = None;
        for (i, line) in text.lines().enumerate() {
            if line.trim() == "$$" {
                match current.take() {
                    None => current = Some((i + 1, String::new())),
                    Some((start, body)) => out.push((file.clone(), start, body)),
                }
            } else if let Some((_, body)) = &mut current {
                body.push_str(line);
                body.push(' ');
            }
        }
    }
    out
}

/// A rough width estimate of typeset LaTeX (KaTeX), in ems: see `MathWidth`.
fn math_width(latex: &str) -> f64 {
    let tokens = tokenize(latex);
    let mut parser = MathWidth { tokens, pos: 0 };
    let rows = parser.rows(1.0);
    columns_width(&rows)
}

/// Width of rows of `&`-separated cells laid out as aligned columns: the sum over columns
/// of the widest cell (a single column: the widest row).
fn columns_width(rows: &[Vec<f64>]) -> f64 {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..columns)
        .map(|j| {
            rows.iter()
                .filter_map(|r| r.get(j).copied())
                .fold(0.0, f64::max)
        })
        .sum()
}

/// LaTeX tokens: commands (`\name` or `\` + one symbol), single characters, braces.
fn tokenize(latex: &str) -> Vec<String> {
    let chars: Vec<char> = latex.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let mut j = i + 1;
            if chars[j].is_ascii_alphabetic() {
                while j < chars.len() && chars[j].is_ascii_alphabetic() {
                    j += 1;
                }
            } else {
                j += 1;
            }
            out.push(chars[i..j].iter().collect());
            i = j;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// Recursive width estimate. Widths are those of KaTeX's fonts, rounded up: a letter
/// 0.55 em, a relation with its spaces 1.35 em, a binary operator with its spaces 1.2 em,
/// display-size ∑ 1.45 em, scripts at 70 %; `\frac` takes the wider of its parts; the
/// rows of `aligned` and `cases` are laid out in columns at their `&`s, so an environment
/// is as wide as the sum of its columns' widest cells.
struct MathWidth {
    tokens: Vec<String>,
    pos: usize,
}

impl MathWidth {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn next(&mut self) -> Option<String> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Rows until the end of input, `}` or `\end`: each row's cells' widths.
    fn rows(&mut self, scale: f64) -> Vec<Vec<f64>> {
        let mut rows = vec![vec![0.0]];
        while let Some(t) = self.peek() {
            if t == "}" || t == "\\end" {
                break;
            }
            if t == "\\\\" {
                self.next();
                // An optional spacing argument `[4pt]`.
                if self.peek() == Some("[") {
                    while let Some(t) = self.next() {
                        if t == "]" {
                            break;
                        }
                    }
                }
                rows.push(vec![0.0]);
                continue;
            }
            if t == "&" {
                self.next();
                rows.last_mut().unwrap().push(0.0);
                continue;
            }
            let w = self.atom(scale);
            *rows.last_mut().unwrap().last_mut().unwrap() += w;
        }
        rows
    }

    /// A group `{…}` (or a single atom), as one row's width.
    fn group(&mut self, scale: f64) -> f64 {
        if self.peek() == Some("{") {
            self.next();
            let rows = self.rows(scale);
            self.next(); // `}`
            columns_width(&rows)
        } else {
            self.atom(scale)
        }
    }

    /// The raw text of a group `{…}` (for `\text`, `\begin`).
    fn raw_group(&mut self) -> String {
        let mut s = String::new();
        if self.next().as_deref() != Some("{") {
            return s;
        }
        let mut depth = 1;
        while let Some(t) = self.next() {
            match t.as_str() {
                "{" => depth += 1,
                "}" => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            s.push_str(&t);
        }
        s
    }

    /// One atom with its scripts.
    fn atom(&mut self, scale: f64) -> f64 {
        let base = self.base(scale);
        let (mut sub, mut sup) = (0.0f64, 0.0f64);
        loop {
            match self.peek() {
                Some("_") => {
                    self.next();
                    sub = self.group(0.7 * scale);
                }
                Some("^") => {
                    self.next();
                    sup = self.group(0.7 * scale);
                }
                Some("'") => {
                    self.next();
                    sup += 0.3 * scale;
                }
                _ => break,
            }
        }
        base + sub.max(sup)
    }

    fn base(&mut self, scale: f64) -> f64 {
        let Some(t) = self.next() else { return 0.0 };
        let s = scale;
        match t.as_str() {
            "{" => {
                let rows = self.rows(scale);
                self.next();
                columns_width(&rows)
            }
            "\\frac" | "\\dfrac" => {
                let a = self.group(s);
                let b = self.group(s);
                a.max(b) + 0.3 * s
            }
            "\\tfrac" => {
                let a = self.group(0.7 * s);
                let b = self.group(0.7 * s);
                a.max(b) + 0.2 * s
            }
            "\\sqrt" => self.group(s) + 0.9 * s,
            "\\text" | "\\textrm" | "\\textit" => {
                let raw = self.raw_group();
                0.5 * s * raw.chars().count() as f64
            }
            "\\operatorname" | "\\mathrm" => {
                let raw = self.raw_group();
                0.5 * s * raw.chars().count() as f64 + 0.17 * s
            }
            "\\mathbb" | "\\mathcal" | "\\mathbf" | "\\mathit" | "\\boldsymbol" | "\\bar"
            | "\\hat" | "\\tilde" | "\\widetilde" | "\\widehat" | "\\overline" => {
                self.group(s) + 0.1 * s
            }
            "\\begin" => {
                let env = self.raw_group();
                if env == "array" {
                    self.raw_group();
                }
                let rows = self.rows(s);
                self.next(); // \end
                self.raw_group();
                let width = columns_width(&rows);
                if env == "cases" {
                    width + 1.2 * s
                } else {
                    width
                }
            }
            "\\left" | "\\right" | "\\bigl" | "\\bigr" | "\\Bigl" | "\\Bigr" | "\\biggl"
            | "\\biggr" | "\\big" | "\\Big" | "\\bigm" | "\\Bigm" | "\\textstyle"
            | "\\displaystyle" | "\\limits" | "\\nolimits" | "\\!" => 0.0,
            "\\," => 0.17 * s,
            "\\:" | "\\>" => 0.22 * s,
            "\\;" => 0.28 * s,
            "\\ " | "~" => 0.33 * s,
            "\\quad" => s,
            "\\qquad" => 2.0 * s,
            "\\sum" | "\\prod" | "\\int" => 1.45 * s,
            "\\ln" | "\\log" | "\\exp" | "\\max" | "\\min" | "\\lim" | "\\tanh" | "\\sinh"
            | "\\cosh" | "\\sin" | "\\cos" | "\\det" | "\\arg" | "\\sup" | "\\inf" => {
                0.5 * s * (t.len() - 1) as f64 + 0.17 * s
            }
            "=" | "<" | ">" | "\\le" | "\\ge" | "\\leq" | "\\geq" | "\\ne" | "\\neq" | "\\sim"
            | "\\propto" | "\\approx" | "\\to" | "\\in" | "\\mid" | "\\preceq" | "\\succeq"
            | "\\leftarrow" | "\\rightarrow" | "\\equiv" | ":" | "\\coloneqq" => 1.35 * s,
            "\\Longrightarrow" | "\\Longleftrightarrow" | "\\implies" | "\\iff" => 2.2 * s,
            "+" | "-" | "\\pm" | "\\cdot" | "\\times" | "\\setminus" | "\\|" if s < 1.0 => 0.78 * s,
            "+" | "-" | "\\pm" | "\\cdot" | "\\times" | "\\setminus" => 1.2 * s,
            "(" | ")" | "[" | "]" | "|" | "\\{" | "\\}" | "\\lvert" | "\\rvert" | "\\langle"
            | "\\rangle" => 0.4 * s,
            "," | ";" => 0.45 * s,
            "." => 0.28 * s,
            _ if t.starts_with('\\') => 0.6 * s,
            _ if t.chars().all(|c| c.is_ascii_digit()) => 0.5 * s,
            _ => 0.55 * s,
        }
    }
}

#[test]
fn display_math_fits_the_column() {
    let mut wide = Vec::new();
    for (file, line, body) in display_math() {
        let width = math_width(&body);
        if width > DISPLAY_MATH_EM {
            wide.push(format!("{file}:{line}: ≈ {width:.1} em"));
        }
    }
    // For calibration against the rendered widths: `cargo test --test book
    // display_math_fits -- --nocapture` prints every estimate.
    for (file, line, body) in display_math() {
        println!("{file}:{line} {:.1}", math_width(&body));
    }
    assert!(
        wide.is_empty(),
        "display equations wider than the column ({DISPLAY_MATH_EM} em); break them over \
         lines with `aligned`:\n{}",
        wide.join("\n")
    );
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
