//! From tokens to server blocks: site addresses (several per block), the
//! global options block, snippets `(name) { … }` and named routes
//! `&(name) { … }`, `import` of snippets and files (with arguments,
//! `{args[n]}`, `{args[a:b]}`, `{block}` and `{blocks.key}`), and `{$VAR}` /
//! `{$VAR:default}` substituted from the environment before tokenizing.
//! `{env.VAR}` is a runtime placeholder and stays as written.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::import_graph::{self, ImportGraph};
use crate::lexer::{self, Quote, Token};

/// A Caddyfile error, with where it happened when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
}

impl ParseError {
    pub fn at(token: &Token, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            file: Some(token.file.clone()),
            line: Some(token.line),
        }
    }
    pub fn plain(message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            file: None,
            line: None,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}, at {file}:{line}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ParseError {}

impl From<lexer::LexError> for ParseError {
    fn from(e: lexer::LexError) -> ParseError {
        ParseError::plain(e.0)
    }
}

/// One directive with everything that belongs to it (arguments and the
/// tokens of its block, braces included), as written.
pub type Segment = Vec<Token>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerBlock {
    /// Site addresses; empty for the global options block.
    pub keys: Vec<Token>,
    pub has_braces: bool,
    pub segments: Vec<Segment>,
    pub named_route: bool,
}

impl ServerBlock {
    pub fn key_texts(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.text.clone()).collect()
    }
}

/// Replace `{$NAME}` and `{$NAME:default}` with values from `lookup`
/// (missing and without default: empty).
pub fn replace_env(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(begin) = rest.find("{$") {
        let Some(len) = rest[begin..].find('}') else {
            break;
        };
        let inner = &rest[begin + 2..begin + len];
        out.push_str(&rest[..begin]);
        if inner.is_empty() {
            out.push_str("{$}");
        } else {
            let (name, default) = match inner.split_once(':') {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            match lookup(name) {
                Some(v) => out.push_str(&v),
                None => out.push_str(default.unwrap_or("")),
            }
        }
        rest = &rest[begin + len + 1..];
    }
    out.push_str(rest);
    out
}

fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Parse a Caddyfile. `file` names it in errors and is where relative
/// imports are looked up from.
pub fn parse(file: &str, input: &str) -> Result<Vec<ServerBlock>, ParseError> {
    parse_with(file, input, Imports::Files)
}

/// Whether `import` may read files (snippets always work). The fuzz target
/// turns files off: random input must not read `/dev/zero`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imports {
    Files,
    SnippetsOnly,
}

pub fn parse_with(
    file: &str,
    input: &str,
    imports: Imports,
) -> Result<Vec<ServerBlock>, ParseError> {
    let tokens = lexer::tokenize(&replace_env(input, &env_lookup), file)?;
    let mut p = Parser {
        tokens,
        cursor: 0,
        snippets: HashMap::new(),
        imports,
        graph: ImportGraph::default(),
    };
    p.parse_all()
}

struct Parser {
    tokens: Vec<Token>,
    cursor: usize,
    snippets: HashMap<String, Vec<Token>>,
    imports: Imports,
    graph: ImportGraph,
}

const MAX_IMPORT_DEPTH: usize = 32;
/// Imports may multiply tokens (a snippet importing another twice, and so
/// on); a configuration this large is a mistake, not a site.
const MAX_TOKENS: usize = 100_000;

/// Whether `b` starts a new line after `a`.
pub fn next_on_new_line(a: &Token, b: &Token) -> bool {
    a.file != b.file || a.import_depth != b.import_depth || a.line + a.extra_lines() < b.line
}

impl Parser {
    fn tok(&self) -> &Token {
        &self.tokens[self.cursor.min(self.tokens.len() - 1)]
    }

    fn has(&self) -> bool {
        self.cursor < self.tokens.len()
    }

    /// Whether the current token starts a line (the first one does).
    fn on_new_line(&self) -> bool {
        self.cursor == 0
            || self.cursor >= self.tokens.len()
            || next_on_new_line(&self.tokens[self.cursor - 1], &self.tokens[self.cursor])
    }

    fn err(&self, message: impl Into<String>) -> ParseError {
        if self.tokens.is_empty() {
            return ParseError::plain(message);
        }
        ParseError::at(self.tok(), message)
    }

    fn eof_err(&self) -> ParseError {
        self.err("Unexpected EOF")
    }

    fn parse_all(&mut self) -> Result<Vec<ServerBlock>, ParseError> {
        let mut blocks = Vec::new();
        while self.has() {
            let block = self.parse_one()?;
            if let Some(b) = block
                && (!b.keys.is_empty() || !b.segments.is_empty() || b.has_braces)
            {
                blocks.push(b);
            }
        }
        Ok(blocks)
    }

    fn parse_one(&mut self) -> Result<Option<ServerBlock>, ParseError> {
        let mut block = ServerBlock {
            keys: Vec::new(),
            has_braces: false,
            segments: Vec::new(),
            named_route: false,
        };
        let eof = self.addresses(&mut block)?;
        if eof {
            return Ok(Some(block));
        }
        if block.keys.len() == 1 {
            let key = block.keys[0].text.clone();
            if let Some(name) = key.strip_prefix("&(").and_then(|k| k.strip_suffix(')')) {
                let mut name_token = block.keys[0].clone();
                name_token.text = name.to_owned();
                let mut segment = vec![name_token.clone()];
                segment.extend(self.block_tokens(true)?);
                block.keys = vec![name_token];
                block.named_route = true;
                block.segments = vec![segment];
                self.cursor += 1;
                return Ok(Some(block));
            }
            if let Some(name) = key.strip_prefix('(').and_then(|k| k.strip_suffix(')')) {
                if self.snippets.contains_key(name) {
                    return Err(self.err(format!(
                        "redeclaration of previously declared snippet {name}"
                    )));
                }
                let mut tokens = self.block_tokens(false)?;
                for t in &mut tokens {
                    t.snippet = Some(name.to_owned());
                }
                self.snippets.insert(name.to_owned(), tokens);
                self.cursor += 1;
                return Ok(None);
            }
        }
        self.block_contents(&mut block)?;
        Ok(Some(block))
    }

    /// The site addresses up to `{` or the end of the line. True at EOF.
    fn addresses(&mut self, block: &mut ServerBlock) -> Result<bool, ParseError> {
        let mut expecting_another = false;
        loop {
            if !self.has() {
                return Ok(true);
            }
            let token = self.tok().clone();
            let value = token.text.clone();
            if value.starts_with('@') {
                return Err(self.err(format!(
                    "request matchers may not be defined globally, they must be in a site block; found {value}"
                )));
            }
            if value == "import" && self.on_new_line() && token.quote == Quote::None {
                self.import(0)?;
                continue;
            }
            if token.is_open() {
                if expecting_another {
                    return Err(self.err(format!(
                        "Expected another address but had '{value}' - check for extra comma"
                    )));
                }
                block.has_braces = true;
                return Ok(false);
            }
            if token.is_close() {
                return Err(self.err("Unexpected '}' because no matching opening brace"));
            }
            if value.ends_with('{') && token.quote == Quote::None {
                return Err(self.err(format!(
                    "Site addresses cannot end with a curly brace: '{value}' - put a space between the token and the brace"
                )));
            }
            if !value.is_empty() {
                let mut v = value.clone();
                if let Some(stripped) = v.strip_suffix(',') {
                    v = stripped.to_owned();
                    expecting_another = true;
                } else {
                    expecting_another = false;
                }
                if v.contains(',') {
                    return Err(self.err(format!(
                        "Site addresses cannot contain a comma ',': '{v}' - put a space after the comma to separate site addresses"
                    )));
                }
                if !v.is_empty() {
                    let mut key = token.clone();
                    key.text = v;
                    block.keys.push(key);
                }
            }
            self.cursor += 1;
            if !self.has() {
                if expecting_another {
                    self.cursor -= 1;
                    return Err(self.eof_err());
                }
                return Ok(true);
            }
            if !expecting_another && self.on_new_line() {
                return Ok(false);
            }
        }
    }

    fn block_contents(&mut self, block: &mut ServerBlock) -> Result<(), ParseError> {
        let braced = self.tok().is_open();
        if braced {
            self.cursor += 1;
        } else if self.tok().text == "import"
            && !block.keys.is_empty()
            && block
                .keys
                .iter()
                .all(|k| k.text.starts_with('(') && k.text.ends_with(')'))
        {
            return Err(self.err("global options block must appear before import directives; move the global options block to the top of the Caddyfile"));
        }
        self.directives(block)?;
        if braced {
            if !self.has() || !self.tok().is_close() {
                return Err(self.eof_err());
            }
            self.cursor += 1;
        }
        Ok(())
    }

    fn directives(&mut self, block: &mut ServerBlock) -> Result<(), ParseError> {
        while self.has() {
            if self.tok().is_close() {
                return Ok(());
            }
            if self.tok().text == "import" && self.tok().quote == Quote::None {
                self.import(1)?;
                continue;
            }
            let segment = self.directive()?;
            block.segments.push(segment);
        }
        Ok(())
    }

    /// One directive: its line, and its block when one opens at its end.
    fn directive(&mut self) -> Result<Segment, ParseError> {
        let mut segment = vec![self.tok().clone()];
        self.cursor += 1;
        let mut nesting = 0usize;
        while self.has() {
            let t = self.tok().clone();
            if t.is_open() {
                nesting += 1;
                let next_new_line = self.cursor + 1 >= self.tokens.len()
                    || next_on_new_line(&t, &self.tokens[self.cursor + 1]);
                if !next_new_line {
                    return Err(self.err("Unexpected next token after '{' on same line"));
                }
                if self.on_new_line() {
                    return Err(self.err(
                        "Unexpected '{' on a new line; did you mean to place the '{' on the previous line?",
                    ));
                }
            } else if t.text == "{}" && t.quote == Quote::None {
                let next_new_line = self.cursor + 1 >= self.tokens.len()
                    || next_on_new_line(&t, &self.tokens[self.cursor + 1]);
                if next_new_line {
                    return Err(self.err("Unexpected '{}' at end of line"));
                }
            } else if self.on_new_line() && nesting == 0 {
                return Ok(segment);
            } else if t.is_close() && nesting > 0 {
                nesting -= 1;
            } else if t.is_close() {
                return Err(self.err("Unexpected '}' because no matching opening brace"));
            } else if t.text == "import" && t.quote == Quote::None && self.on_new_line() {
                self.import(1)?;
                continue;
            }
            segment.push(t);
            self.cursor += 1;
        }
        if nesting > 0 {
            self.cursor -= 1;
            return Err(self.eof_err());
        }
        Ok(segment)
    }

    /// The tokens of a `{ … }` starting at the cursor; the cursor ends on
    /// the closing brace.
    fn block_tokens(&mut self, keep_braces: bool) -> Result<Vec<Token>, ParseError> {
        if !self.has() || !self.tok().is_open() {
            return Err(self.err(format!(
                "Wrong argument count or unexpected line ending after '{}'",
                self.tokens
                    .get(self.cursor.saturating_sub(1))
                    .map(|t| t.text.as_str())
                    .unwrap_or("")
            )));
        }
        let mut nesting = 1;
        let mut tokens = Vec::new();
        if keep_braces {
            tokens.push(self.tok().clone());
        }
        self.cursor += 1;
        while self.has() {
            let t = self.tok().clone();
            if t.is_close() {
                nesting -= 1;
                if nesting == 0 {
                    if keep_braces {
                        tokens.push(t);
                    }
                    return Ok(tokens);
                }
            }
            if t.is_open() {
                nesting += 1;
            }
            tokens.push(t);
            self.cursor += 1;
        }
        self.cursor -= 1;
        Err(self.eof_err())
    }

    /// Expand the `import` at the cursor in place; the cursor stays where
    /// the import was (now on the first imported token).
    fn import(&mut self, nesting_at: usize) -> Result<(), ParseError> {
        let at = self.cursor;
        let import_token = self.tok().clone();
        // The pattern and arguments: the rest of the import's line.
        let mut end = at + 1;
        while end < self.tokens.len()
            && !next_on_new_line(&self.tokens[end - 1], &self.tokens[end])
            && !self.tokens[end].is_open()
        {
            end += 1;
        }
        if end == at + 1 {
            return Err(ParseError::at(
                &import_token,
                "Wrong argument count or unexpected line ending after 'import'",
            ));
        }
        let pattern = self.tokens[at + 1].text.clone();
        if pattern.is_empty() {
            return Err(ParseError::at(
                &import_token,
                "Import requires a non-empty filepath",
            ));
        }
        let args: Vec<String> = self.tokens[at + 2..end]
            .iter()
            .map(|t| t.text.clone())
            .collect();
        // An optional block of named token lists for {block} / {blocks.key}.
        let mut block_tokens = Vec::new();
        if end < self.tokens.len() && self.tokens[end].is_open() {
            self.cursor = end;
            block_tokens = self.block_tokens(false)?;
            end = self.cursor + 1;
        }
        let block_map = block_mapping(&block_tokens)?;

        // Every imported token is one import deeper than the import that
        // brought it: a cycle keeps growing that depth.
        if import_token.import_depth >= MAX_IMPORT_DEPTH {
            return Err(ParseError::at(
                &import_token,
                format!(
                    "imports nested more than {MAX_IMPORT_DEPTH} deep: {pattern} imports itself"
                ),
            ));
        }
        let from = import_graph::node(&import_token.file, import_token.snippet.as_deref());
        let imported = if let Some(tokens) = self.snippets.get(&pattern) {
            if let Some(first) = tokens.first() {
                let to = import_graph::node(&first.file, Some(&pattern));
                self.graph
                    .add(&from, &to)
                    .map_err(|e| ParseError::at(&import_token, e))?;
            }
            tokens.clone()
        } else {
            if self.imports == Imports::SnippetsOnly {
                return Err(ParseError::at(
                    &import_token,
                    format!("no snippet named {pattern} (files are not imported here)"),
                ));
            }
            let files = self.import_files(&import_token, &pattern)?;
            let mut all = Vec::new();
            for f in &files {
                self.graph
                    .add(&from, &f.to_string_lossy())
                    .map_err(|e| ParseError::at(&import_token, e))?;
                all.extend(read_import(&import_token, f)?);
            }
            all
        };

        let mut expanded = Vec::with_capacity(imported.len());
        let mut nesting = nesting_at;
        let mut in_snippet_def = false;
        let mut maybe_snippet_key = false;
        let mut index = 0usize;
        for (i, mut t) in imported.into_iter().enumerate() {
            t.import_depth = import_token.import_depth + 1;
            // A file that defines snippets keeps their bodies as written.
            if !in_snippet_def && nesting == 0 {
                if i == 0
                    || expanded
                        .last()
                        .is_some_and(|p: &Token| next_on_new_line(p, &t))
                {
                    index = 0;
                } else {
                    index += 1;
                }
                if index == 0
                    && t.text.len() >= 3
                    && t.text.starts_with('(')
                    && t.text.ends_with(')')
                {
                    maybe_snippet_key = true;
                }
            }
            if t.is_open() {
                nesting += 1;
                if index == 1 && maybe_snippet_key && nesting == 1 {
                    in_snippet_def = true;
                    maybe_snippet_key = false;
                }
            } else if t.is_close() {
                nesting = nesting.saturating_sub(1);
                if nesting == 0 && in_snippet_def {
                    in_snippet_def = false;
                }
            }
            let block_value = if t.text == "{block}" {
                Some(block_tokens.clone())
            } else {
                t.text
                    .strip_prefix("{blocks.")
                    .and_then(|k| k.strip_suffix('}'))
                    .map(|key| block_map.get(key).cloned().unwrap_or_default())
            };
            if let Some(value) = block_value {
                if in_snippet_def {
                    expanded.push(t);
                } else {
                    // One import deeper too: a block that imports the
                    // snippet it is passed to is then caught by the depth
                    // limit instead of growing without end.
                    expanded.extend(value.into_iter().map(|mut b| {
                        b.import_depth = t.import_depth + 1;
                        b
                    }));
                }
                continue;
            }
            if in_snippet_def {
                expanded.push(t);
                continue;
            }
            if let Some((from, to)) = variadic(&t.text, args.len()) {
                for a in &args[from..to] {
                    let mut arg = t.clone();
                    arg.text = a.clone();
                    expanded.push(arg);
                }
            } else {
                t.text = replace_args(&t.text, &args);
                expanded.push(t);
            }
        }
        if self.tokens.len() - (end - at) + expanded.len() > MAX_TOKENS {
            return Err(ParseError::at(
                &import_token,
                format!("the Caddyfile grows past {MAX_TOKENS} tokens through its imports"),
            ));
        }
        self.tokens.splice(at..end, expanded);
        self.cursor = at;
        Ok(())
    }

    fn import_files(&self, at: &Token, pattern: &str) -> Result<Vec<PathBuf>, ParseError> {
        let base = Path::new(&at.file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let full = if Path::new(pattern).is_absolute() {
            PathBuf::from(pattern)
        } else {
            base.join(pattern)
        };
        let text = full.to_string_lossy().to_string();
        if text.matches('*').count() > 1
            || text.matches('?').count() > 1
            || (text.contains('[') && text.contains(']'))
        {
            return Err(ParseError::at(
                at,
                format!("Glob pattern may only contain one wildcard (*), but has others: {text}"),
            ));
        }
        if !text.contains(['*', '?']) {
            if !full.exists() {
                return Err(ParseError::at(
                    at,
                    format!("File to import not found: {pattern}"),
                ));
            }
            return Ok(vec![full]);
        }
        let paths = glob::glob(&text).map_err(|e| {
            ParseError::at(at, format!("Failed to use import pattern {pattern}: {e}"))
        })?;
        let hide_dotfiles = full
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('*'));
        Ok(paths
            .filter_map(Result::ok)
            .filter(|p| {
                !hide_dotfiles
                    || !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect())
    }
}

fn read_import(at: &Token, file: &Path) -> Result<Vec<Token>, ParseError> {
    if file.is_dir() {
        return Err(ParseError::at(
            at,
            format!("Could not import {}: is a directory", file.display()),
        ));
    }
    let input = std::fs::read_to_string(file)
        .map_err(|e| ParseError::at(at, format!("Could not import {}: {e}", file.display())))?;
    if input.trim().is_empty() {
        return Ok(Vec::new());
    }
    lexer::tokenize(&replace_env(&input, &env_lookup), &file.to_string_lossy()).map_err(|e| {
        ParseError::at(
            at,
            format!(
                "Could not read tokens while importing {}: {e}",
                file.display()
            ),
        )
    })
}

/// `{blocks.key}` values: each line of the import's block is a key and
/// the tokens after it (with its own block).
fn block_mapping(tokens: &[Token]) -> Result<HashMap<String, Vec<Token>>, ParseError> {
    let mut map = HashMap::new();
    let mut i = 0;
    while i < tokens.len() {
        let key = &tokens[i];
        if key.is_open() {
            return Err(ParseError::at(key, "anonymous blocks are not supported"));
        }
        let mut value = Vec::new();
        let mut j = i + 1;
        let mut nesting = 0usize;
        while j < tokens.len() {
            let t = &tokens[j];
            if nesting == 0 && next_on_new_line(&tokens[j - 1], t) && !t.is_open() {
                break;
            }
            if t.is_open() {
                nesting += 1;
                if nesting == 1 {
                    j += 1;
                    continue;
                }
            } else if t.is_close() {
                nesting = nesting.saturating_sub(1);
                if nesting == 0 {
                    j += 1;
                    break;
                }
            }
            value.push(t.clone());
            j += 1;
        }
        map.insert(key.text.clone(), value);
        i = j;
    }
    Ok(map)
}

/// `{args[a:b]}` alone in a token: the range of arguments it stands for.
fn variadic(text: &str, count: usize) -> Option<(usize, usize)> {
    let range = text.strip_prefix("{args[")?.strip_suffix("]}")?;
    let (start, end) = range.split_once(':')?;
    let from = if start.is_empty() {
        0
    } else {
        start.parse().ok()?
    };
    let to = if end.is_empty() {
        count
    } else {
        end.parse().ok()?
    };
    (from <= to && to <= count).then_some((from, to))
}

/// `{args[n]}` (and the older `{args.n}`) replaced where `n` is in range;
/// every other placeholder stays as written.
fn replace_args(text: &str, args: &[String]) -> String {
    if !text.contains("{args") {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(len) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = &rest[open + 1..open + len];
        let index = key
            .strip_prefix("args[")
            .and_then(|k| k.strip_suffix(']'))
            .or_else(|| key.strip_prefix("args."))
            .and_then(|n| n.parse::<usize>().ok());
        match index.and_then(|n| args.get(n)) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[open..open + len + 1]),
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(blocks: &[ServerBlock]) -> Vec<Vec<String>> {
        blocks.iter().map(ServerBlock::key_texts).collect()
    }

    #[test]
    fn several_addresses_snippets_and_imports() {
        let src = "(common) {\n\theader X-A {args[0]}\n\trespond {args[1:]}\n}\n\na.example, b.example {\n\timport common one two three\n}\n";
        let blocks = parse("Caddyfile", src).expect("parses");
        assert_eq!(keys(&blocks), vec![vec!["a.example", "b.example"]]);
        let segs: Vec<Vec<String>> = blocks[0]
            .segments
            .iter()
            .map(|s| s.iter().map(|t| t.text.clone()).collect())
            .collect();
        assert_eq!(
            segs,
            vec![
                vec!["header", "X-A", "one"],
                vec!["respond", "two", "three"]
            ]
        );
    }

    #[test]
    fn environment_is_substituted_before_tokens() {
        let got = replace_env("a {$HOME_X} {$NOPE:dflt} {env.KEEP} {$MISSING}", &|n| {
            (n == "HOME_X").then(|| "/h".to_owned())
        });
        assert_eq!(got, "a /h dflt {env.KEEP} ");
    }

    #[test]
    fn a_snippet_importing_itself_is_refused() {
        let e = parse("Caddyfile", "(s) {\n\timport s\n}\na.hn {\n\timport s\n}\n")
            .expect_err("refused");
        assert!(
            e.message
                .contains("a cycle of imports exists between Caddyfile:s and Caddyfile:s"),
            "{e}"
        );
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = parse("Caddyfile", "a.example {\n\trespond hi\n\t}\n}\n").expect_err("refused");
        assert_eq!(e.line, Some(4));
        let e = parse("Caddyfile", "a.example,\n").expect_err("refused");
        assert!(e.message.contains("EOF"), "{e}");
        let e = parse("Caddyfile", "@m path /x\n").expect_err("refused");
        assert!(
            e.message
                .contains("request matchers may not be defined globally")
        );
    }
}
