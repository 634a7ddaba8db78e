//! What a problem says in the reader's language: one catalogue
//! (`erp/locales/*/problems.ftl`) for the web pages, which show it beside
//! the field, and the API, which puts it in a problem's `detail` when the
//! client asks for Spanish or English (`Accept-Language`). The code stays
//! what it is; a code without a message keeps the domain's own English.

use fluent_templates::Loader;
use unic_langid::LanguageIdentifier;

fluent_templates::static_loader! {
    static PROBLEMS = {
        locales: "./locales",
        fallback_language: "es-HN",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The languages problems are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Spanish,
    English,
}

impl Language {
    /// Any Spanish or English tag ("es", "es-HN", "en-US" …).
    pub fn of_tag(tag: &str) -> Option<Language> {
        match tag
            .trim()
            .split(['-', '_'])
            .next()?
            .to_ascii_lowercase()
            .as_str()
        {
            "es" => Some(Language::Spanish),
            "en" => Some(Language::English),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, by
    /// weight (`q=0` means "not this one").
    pub fn of_accept_language(header: &str) -> Option<Language> {
        let mut ranges: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges
            .into_iter()
            .filter(|(q, _)| *q > 0.0)
            .find_map(|(_, tag)| Language::of_tag(tag))
    }

    /// The tag for `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::Spanish => "es-HN",
            Language::English => "en",
        }
    }

    fn id(self) -> LanguageIdentifier {
        self.tag().parse().unwrap_or_default()
    }
}

/// The message for a problem's `code` (`unknown_party`), when the
/// catalogue has one.
/// Every `…_not_found` without a message of its own reads as one.
pub fn for_code(language: Language, code: &str) -> Option<String> {
    let id = language.id();
    PROBLEMS
        .try_lookup(&id, &format!("field-{}", code.replace('_', "-")))
        .or_else(|| {
            code.ends_with("_not_found")
                .then(|| PROBLEMS.try_lookup(&id, "field-not-found"))
                .flatten()
        })
}

/// "3 fields are invalid", for a request refused over several fields.
pub fn fields_invalid(language: Language, count: usize) -> String {
    let args = std::collections::HashMap::from([(
        std::borrow::Cow::Borrowed("count"),
        fluent_templates::fluent_bundle::FluentValue::from(count),
    )]);
    PROBLEMS.lookup_with_args(&language.id(), "problem-fields-invalid", &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_in_either_language_and_an_unknown_one_has_none() {
        assert_eq!(
            for_code(Language::Spanish, "required").as_deref(),
            Some("Este campo es obligatorio.")
        );
        assert!(for_code(Language::English, "required").is_some_and(|m| m.contains("required")));
        assert_eq!(for_code(Language::Spanish, "no_such_code_at_all"), None);
        assert_eq!(
            for_code(Language::Spanish, "party_not_found").as_deref(),
            Some("No existe en la empresa activa.")
        );
        assert_eq!(
            fields_invalid(Language::Spanish, 3),
            "3 campos no son válidos."
        );
        assert_eq!(
            Language::of_accept_language("en-US,en;q=0.9,es;q=0.8"),
            Some(Language::English)
        );
        assert_eq!(
            Language::of_accept_language("fr, es-419;q=0.5"),
            Some(Language::Spanish)
        );
        assert_eq!(Language::of_accept_language("de"), None);
    }
}
