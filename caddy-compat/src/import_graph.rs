//! Which snippet or file imported which, to refuse a cycle of imports when
//! it closes, with the two ends named as Caddy names them: a file by its
//! path, a snippet as `file:name` (the file it was defined in).

use std::collections::{HashMap, HashSet};

#[derive(Default)]
pub struct ImportGraph {
    edges: HashMap<String, Vec<String>>,
}

impl ImportGraph {
    /// Record that `from` imports `to`; an error when `to` already leads
    /// back to `from`.
    pub fn add(&mut self, from: &str, to: &str) -> Result<(), String> {
        if self.reachable_from(to).contains(from) {
            return Err(format!("a cycle of imports exists between {from} and {to}"));
        }
        let out = self.edges.entry(from.to_owned()).or_default();
        if !out.iter().any(|t| t == to) {
            out.push(to.to_owned());
        }
        Ok(())
    }

    /// Every node reached by following the edges out of `start` (without
    /// `start` itself unless a path leads back to it).
    fn reachable_from(&self, start: &str) -> HashSet<&str> {
        let mut seen = HashSet::new();
        let mut stack: Vec<&str> = self
            .edges
            .get(start)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default();
        while let Some(node) = stack.pop() {
            if seen.insert(node) {
                stack.extend(
                    self.edges
                        .get(node)
                        .into_iter()
                        .flatten()
                        .map(String::as_str),
                );
            }
        }
        seen
    }
}

/// The node a token imports from: its file, or the snippet it came from.
pub fn node(file: &str, snippet: Option<&str>) -> String {
    match snippet {
        Some(name) => format!("{file}:{name}"),
        None => file.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_is_refused_when_it_closes() {
        let mut g = ImportGraph::default();
        g.add("Caddyfile", "Caddyfile:a").expect("first import");
        g.add("Caddyfile:a", "Caddyfile:b").expect("a imports b");
        g.add("Caddyfile", "Caddyfile:b")
            .expect("importing b twice is no cycle");
        assert_eq!(
            g.add("Caddyfile:b", "Caddyfile:a"),
            Err("a cycle of imports exists between Caddyfile:b and Caddyfile:a".to_owned())
        );
    }
}
