//! The typed tree of a Caddyfile: the global options, snippets already
//! expanded, and each site block as directives with their arguments and
//! nested blocks. Every node keeps its file and line for error messages.

use crate::lexer::Token;
use crate::parser::{self, ParseError, ServerBlock, next_on_new_line};

/// A directive (or subdirective, or matcher line): name, arguments on its
/// line, and the lines of its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub file: String,
    pub line: usize,
    pub args: Vec<Token>,
    pub block: Vec<Directive>,
}

impl Directive {
    pub fn arg_texts(&self) -> Vec<&str> {
        self.args.iter().map(|t| t.text.as_str()).collect()
    }

    /// Build the directive that `tokens` (one segment) hold.
    pub fn from_tokens(tokens: &[Token]) -> Directive {
        let (d, _) = directive_at(tokens, 0);
        d
    }
}

/// The directive starting at `tokens[i]` and the index after it.
fn directive_at(tokens: &[Token], i: usize) -> (Directive, usize) {
    let head = &tokens[i];
    let mut d = Directive {
        name: head.text.clone(),
        file: head.file.clone(),
        line: head.line,
        args: Vec::new(),
        block: Vec::new(),
    };
    let mut j = i + 1;
    while j < tokens.len() && !next_on_new_line(&tokens[j - 1], &tokens[j]) {
        if tokens[j].is_open() {
            j += 1;
            // The block's lines up to the matching close.
            while j < tokens.len() && !tokens[j].is_close() {
                let (child, next) = directive_at(tokens, j);
                d.block.push(child);
                j = next;
            }
            return (d, j + 1);
        }
        d.args.push(tokens[j].clone());
        j += 1;
    }
    (d, j)
}

/// One site block: its addresses and directives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub addresses: Vec<Token>,
    pub directives: Vec<Directive>,
}

/// A reusable route `&(name) { … }`, invoked with `invoke name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRoute {
    pub name: Token,
    pub directives: Vec<Directive>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caddyfile {
    /// The options of the first block when it has no address.
    pub global: Vec<Directive>,
    pub sites: Vec<Site>,
    pub named_routes: Vec<NamedRoute>,
}

impl Caddyfile {
    pub fn parse(file: &str, input: &str) -> Result<Caddyfile, ParseError> {
        Ok(Caddyfile::from_blocks(parser::parse(file, input)?))
    }

    pub fn from_blocks(blocks: Vec<ServerBlock>) -> Caddyfile {
        let mut out = Caddyfile::default();
        for (i, block) in blocks.into_iter().enumerate() {
            let directives: Vec<Directive> = if block.named_route {
                Vec::new()
            } else {
                block
                    .segments
                    .iter()
                    .map(|s| Directive::from_tokens(s))
                    .collect()
            };
            if block.named_route {
                let segment = &block.segments[0];
                // name, "{", lines…, "}"
                let inner = &segment[2..segment.len().saturating_sub(1)];
                let mut lines = Vec::new();
                let mut j = 0;
                while j < inner.len() {
                    let (d, next) = directive_at(inner, j);
                    lines.push(d);
                    j = next;
                }
                out.named_routes.push(NamedRoute {
                    name: block.keys[0].clone(),
                    directives: lines,
                });
            } else if i == 0 && block.keys.is_empty() {
                out.global = directives;
            } else {
                out.sites.push(Site {
                    addresses: block.keys,
                    directives,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_blocks_keep_lines() {
        let cf = Caddyfile::parse(
            "Caddyfile",
            "{\n\temail a@b.hn\n}\n\nexample.com {\n\treverse_proxy /api/* a:1 b:2 {\n\t\tlb_policy first\n\t\theader_up X-Y z\n\t}\n\tfile_server\n}\n",
        )
        .expect("parses");
        assert_eq!(cf.global[0].name, "email");
        assert_eq!(cf.sites[0].addresses[0].text, "example.com");
        let rp = &cf.sites[0].directives[0];
        assert_eq!(
            (rp.name.as_str(), rp.line, rp.arg_texts()),
            ("reverse_proxy", 6, vec!["/api/*", "a:1", "b:2"])
        );
        assert_eq!(
            rp.block
                .iter()
                .map(|d| (d.name.as_str(), d.line))
                .collect::<Vec<_>>(),
            vec![("lb_policy", 7), ("header_up", 8)]
        );
        assert_eq!(cf.sites[0].directives[1].name, "file_server");
    }
}
