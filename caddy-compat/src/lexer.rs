//! Caddyfile tokens: words separated by white space, `"quoted"` (with `\"`
//! escapes), `` `backquoted` `` (raw), heredocs (`<<END` … `END`, the closing
//! marker's indentation taken off every line), `#` comments to the end of the
//! line, and a backslash before a newline that continues the line. Every
//! token knows its file and line, so errors can point at it.

use std::fmt;

/// How a token was written; a quoted `{` is text, not a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    Double,
    Backtick,
    Heredoc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub file: String,
    pub line: usize,
    pub text: String,
    pub quote: Quote,
    /// The snippet this token was defined in, once imported from one.
    pub snippet: Option<String>,
    /// How many imports deep this token came in (0 = written in place);
    /// a token from an import always starts a new line for the parser.
    pub import_depth: usize,
}

impl Token {
    pub fn is_open(&self) -> bool {
        self.text == "{" && self.quote == Quote::None
    }
    pub fn is_close(&self) -> bool {
        self.text == "}" && self.quote == Quote::None
    }
    pub fn quoted(&self) -> bool {
        self.quote != Quote::None
    }
    /// Lines this token spans beyond its first (a heredoc also has its
    /// opening and closing marker lines).
    pub fn extra_lines(&self) -> usize {
        let breaks = self.text.matches('\n').count();
        if self.quote == Quote::Heredoc {
            breaks + 2
        } else {
            breaks
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError(pub String);

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LexError {}

/// Split `input` into tokens.
pub fn tokenize(input: &str, file: &str) -> Result<Vec<Token>, LexError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut lexer = Lexer {
        chars: input.chars().collect(),
        pos: 0,
        line: 1,
        pending_lines: 0,
    };
    let mut tokens = Vec::new();
    while let Some((line, text, quote)) = lexer.next_token()? {
        tokens.push(Token {
            file: file.to_owned(),
            line,
            text,
            quote,
            snippet: None,
            import_depth: 0,
        });
    }
    Ok(tokens)
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    /// Newlines inside a continued line or a heredoc, counted when the
    /// logical line ends (so the next token's line is right).
    pending_lines: usize,
}

fn valid_marker(m: &str) -> bool {
    !m.is_empty()
        && m.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Lexer {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn next_line(&mut self) {
        self.line += 1 + self.pending_lines;
        self.pending_lines = 0;
    }

    fn next_token(&mut self) -> Result<Option<(usize, String, Quote)>, LexError> {
        let mut val = String::new();
        let mut start = self.line;
        let mut in_comment = false;
        let mut escaped = false;
        // `\<<` keeps a literal "<<" that is not a heredoc.
        let mut heredoc_escaped = false;
        loop {
            let Some(ch) = self.bump() else {
                return Ok((!val.is_empty()).then_some((start, val, Quote::None)));
            };
            if !heredoc_escaped && val.starts_with("<<") {
                match ch {
                    ' ' => return Ok(Some((start, val, Quote::None))),
                    '\r' => continue,
                    '\n' => return self.heredoc(start, &val).map(Some),
                    _ => {
                        val.push(ch);
                        continue;
                    }
                }
            }
            if ch == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if ch.is_whitespace() {
                if ch == '\r' {
                    continue;
                }
                if ch == '\n' {
                    if escaped {
                        // A continued line: the token goes on, the line
                        // number catches up at the end of the logical line.
                        self.pending_lines += 1;
                        escaped = false;
                    } else {
                        self.next_line();
                    }
                    in_comment = false;
                }
                if !val.is_empty() {
                    return Ok(Some((start, val, Quote::None)));
                }
                continue;
            }
            if ch == '#' && val.is_empty() {
                in_comment = true;
            }
            if in_comment {
                // (A backslash at the end of a comment still continues the line.)
                continue;
            }
            if val.is_empty() {
                start = self.line;
                if ch == '"' || ch == '`' {
                    return self.quoted(start, ch, escaped).map(Some);
                }
            }
            if escaped {
                if ch == '<' {
                    heredoc_escaped = true;
                } else {
                    val.push('\\');
                }
                escaped = false;
            }
            val.push(ch);
        }
    }

    /// A `"…"` or `` `…` `` token; the opening quote is consumed (`escaped`:
    /// a backslash came right before it, which then escapes the first
    /// character inside double quotes).
    fn quoted(
        &mut self,
        start: usize,
        quote: char,
        mut escaped: bool,
    ) -> Result<(usize, String, Quote), LexError> {
        let kind = if quote == '"' {
            Quote::Double
        } else {
            Quote::Backtick
        };
        let mut val = String::new();
        while let Some(ch) = self.bump() {
            if kind == Quote::Double && ch == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if escaped && kind == Quote::Double {
                // Only `\"` loses its backslash inside double quotes.
                if ch != '"' {
                    val.push('\\');
                }
                escaped = false;
            } else if ch == quote {
                return Ok((start, val, kind));
            }
            if ch == '\n' {
                self.next_line();
            }
            val.push(ch);
        }
        // An unterminated quote runs to the end of the input.
        Ok((start, val, kind))
    }

    /// The body of a heredoc opened by `opener` ("<<MARKER"); the newline
    /// after the marker is consumed.
    fn heredoc(&mut self, start: usize, opener: &str) -> Result<(usize, String, Quote), LexError> {
        if opener.len() == 2 {
            return Err(LexError(format!(
                "missing opening heredoc marker on line #{start}; must contain only alphanumeric characters, dashes and underscores; got empty string"
            )));
        }
        if opener.starts_with("<<<") {
            return Err(LexError(format!(
                "too many '<' for heredoc on line #{start}; only use two, for example <<END"
            )));
        }
        let marker = &opener[2..];
        if !valid_marker(marker) {
            return Err(LexError(format!(
                "heredoc marker on line #{start} must contain only alphanumeric characters, dashes and underscores; got '{marker}'"
            )));
        }
        self.pending_lines += 1;
        let mut body = String::new();
        while let Some(ch) = self.bump() {
            body.push(ch);
            if ch == '\n' {
                self.pending_lines += 1;
            }
            if body.ends_with(marker) {
                let text = self.finish_heredoc(&body, marker, start)?;
                self.line += self.pending_lines;
                self.pending_lines = 0;
                return Ok((start, text, Quote::Heredoc));
            }
        }
        Err(LexError(format!(
            "incomplete heredoc <<{marker} on line #{}, expected ending marker {marker}",
            self.line + self.pending_lines
        )))
    }

    /// Take the closing marker's indentation off every line of `body`
    /// (which ends with the marker).
    fn finish_heredoc(&self, body: &str, marker: &str, start: usize) -> Result<String, LexError> {
        let last_newline = body.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let padding = &body[last_newline..body.len() - marker.len()];
        let mut out = String::new();
        let content = &body[..last_newline];
        let lines: Vec<&str> = content.split('\n').collect();
        for (n, line) in lines[..lines.len().saturating_sub(1)].iter().enumerate() {
            if line.is_empty() || *line == "\r" {
                out.push('\n');
                continue;
            }
            if !line.starts_with(padding) {
                return Err(LexError(format!(
                    "mismatched leading whitespace in heredoc <<{marker} on line #{} [{}], expected whitespace [{padding}] to match the closing marker",
                    start + n + 1,
                    line.trim_end_matches(['\r', '\n'])
                )));
            }
            out.push_str(&line[padding.len()..].replace('\r', ""));
            out.push('\n');
        }
        if out.ends_with('\n') {
            out.pop();
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<(usize, String)> {
        tokenize(input, "Caddyfile")
            .expect("tokenizes")
            .into_iter()
            .map(|t| (t.line, t.text))
            .collect()
    }

    #[test]
    fn words_quotes_comments_and_lines() {
        let got = texts("a b # comment\n\"c d\" `e \\\" f`\n  g\\\n h {\n}\n");
        let want: Vec<(usize, String)> = vec![
            (1, "a".into()),
            (1, "b".into()),
            (2, "c d".into()),
            (2, "e \\\" f".into()),
            (3, "g".into()),
            (3, "h".into()),
            (3, "{".into()),
            (5, "}".into()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn escapes_inside_double_quotes_keep_all_but_the_quote() {
        assert_eq!(texts(r#""a\"b\nc""#), vec![(1, r#"a"b\nc"#.to_owned())]);
    }

    #[test]
    fn heredoc_strips_the_closing_indentation() {
        let input = "respond <<HTML\n\t\t<b>hi</b>\n\t\t  there\n\t\tHTML 200\nnext\n";
        let tokens = tokenize(input, "f").expect("tokenizes");
        assert_eq!(tokens[1].text, "<b>hi</b>\n  there");
        assert_eq!(tokens[1].quote, Quote::Heredoc);
        assert_eq!((tokens[2].text.as_str(), tokens[2].line), ("200", 4));
        assert_eq!((tokens[3].text.as_str(), tokens[3].line), ("next", 5));
    }

    #[test]
    fn heredoc_errors_name_the_line() {
        let err = |s: &str| tokenize(s, "f").expect_err("refused").0;
        assert!(
            err("a\nrespond <<<END\nx\nEND\n").starts_with("too many '<' for heredoc on line #2")
        );
        assert!(err("respond <<END!\nx\nEND!\n").contains("got 'END!'"));
        assert!(err("respond <<END\nx\n").starts_with("incomplete heredoc <<END"));
        assert!(
            err("respond <<END\n\tx\n  END\n")
                .starts_with("mismatched leading whitespace in heredoc <<END on line #2 [\tx]")
        );
    }
}
