//! The message catalogue (Fluent files under `locales/`, Spanish and English
//! side by side) and how a request's language is chosen.

use std::collections::HashMap;

use fluent_templates::Loader;
use fluent_templates::fluent_bundle::FluentValue;
use unic_langid::LanguageIdentifier;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "es-HN",
        // Plain text in HTML: no Unicode isolation marks around arguments.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// Honduras keeps UTC−6 all year (no daylight saving since 2006). Until
/// companies carry their own time zone, times show in Honduran time.
const HONDURAS: chrono::FixedOffset = match chrono::FixedOffset::west_opt(6 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC-6 is a valid offset"),
};

/// A timestamp as users read it: `dd/mm/aaaa hh:mm` in Honduran time.
pub fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&HONDURAS)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

impl From<erp::messages::Language> for Lang {
    fn from(language: erp::messages::Language) -> Lang {
        match language {
            erp::messages::Language::Spanish => Lang::Es,
            erp::messages::Language::English => Lang::En,
        }
    }
}

impl Lang {
    pub const DEFAULT: Lang = Lang::Es;

    /// The BCP 47 tag used in `<html lang>`, the cookie and the user's profile.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Es => "es-HN",
            Lang::En => "en",
        }
    }

    /// Accepts any Spanish or English tag ("es", "es-HN", "en-US" …).
    pub fn parse(tag: &str) -> Option<Lang> {
        erp::messages::Language::of_tag(tag).map(Lang::from)
    }

    /// The first supported language of an `Accept-Language` header, by weight.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        erp::messages::Language::of_accept_language(header).map(Lang::from)
    }

    /// The language of the problem catalogue (erp's, shared with the API).
    pub fn language(self) -> erp::messages::Language {
        match self {
            Lang::Es => erp::messages::Language::Spanish,
            Lang::En => erp::messages::Language::English,
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::Es => LanguageIdentifier::from_parts(
                unic_langid::subtags::Language::from_bytes(b"es").unwrap_or_default(),
                None,
                unic_langid::subtags::Region::from_bytes(b"HN").ok(),
                &[],
            ),
            Lang::En => LanguageIdentifier::from_parts(
                unic_langid::subtags::Language::from_bytes(b"en").unwrap_or_default(),
                None,
                None,
                &[],
            ),
        }
    }

    /// The message `key` in this language.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(&self.id(), key)
    }

    /// The message `key`, or None when there is no such message (for keys
    /// built from data, such as a field name or an error code).
    pub fn t_opt(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.id(), key)
    }

    /// The message `key` with one named argument.
    pub fn t_with(self, key: &str, name: &'static str, value: impl Into<String>) -> String {
        self.t_args(key, &[(name, value.into())])
    }

    /// The message `key` with named arguments (`{ $name }` in the message).
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<std::borrow::Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| ((*name).into(), FluentValue::from(value.clone())))
            .collect();
        LOCALES.lookup_with_args(&self.id(), key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,es;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, es-419;q=0.7, en;q=0.5"),
            Some(Lang::Es)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
        assert_eq!(
            Lang::from_accept_language("en;q=0, es;q=0.1"),
            Some(Lang::Es)
        );
    }

    #[test]
    fn times_show_in_honduran_time() {
        let utc = chrono::DateTime::parse_from_rfc3339("2026-11-22T03:05:00Z").map(|t| t.to_utc());
        assert_eq!(
            utc.map(local_time).ok().as_deref(),
            Some("21/11/2026 21:05")
        );
    }

    #[test]
    fn both_catalogues_translate_with_arguments() {
        assert_eq!(Lang::Es.t("login-title"), "Iniciar sesión");
        assert_eq!(Lang::En.t("login-title"), "Log in");
        assert_eq!(
            Lang::Es.t_with("home-welcome", "name", "Ana"),
            "Bienvenido, Ana"
        );
    }
}
