//! Any text: the lexer, parser, tree and adapter answer Ok or an error,
//! never panic or hang. File imports are off (random input must not read
//! devices).
#![no_main]

use caddy_compat::adapt;
use caddy_compat::parser::{Imports, parse_with};
use caddy_compat::tree::Caddyfile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(blocks) = parse_with("Caddyfile", text, Imports::SnippetsOnly)
    {
        let _ = adapt(&Caddyfile::from_blocks(blocks));
    }
});
