//! Caddyfile compatibility: the appliance reads the configuration users
//! bring from Caddy.
//!
//! - [`lexer`]: tokens with file and line (quotes, heredocs, comments).
//! - [`parser`]: server blocks, global options, snippets, imports, `{$ENV}`.
//! - [`tree`]: the typed tree the adapter works on.
//! - [`adapt`]: Caddy's JSON configuration for the supported subset.

pub mod adapt;
mod import_graph;
pub mod lexer;
pub mod names;
pub mod parser;
pub mod serve;
pub mod tree;

pub use adapt::{AdaptError, adapt};
pub use parser::ParseError;
pub use tree::{Caddyfile, Directive, Site};
