//! The global options `admin` and `storage`, as the top-level `admin` and
//! `storage` of Caddy's JSON. What they mean for the appliance is decided
//! when serving (`serve::Config::compile`): `admin off` says what the
//! appliance is (it has no admin endpoint), a storage folder is where it
//! keeps certificates.

use serde_json::{Map, Value, json};

use super::{AdaptError, unsupported};
use crate::tree::Directive;

/// Caddy's admin endpoint when the option names none.
const DEFAULT_ADMIN_LISTEN: &str = "localhost:2019";

/// `admin off`, `admin <address>`, and a block with `origins` and
/// `enforce_origin`.
pub fn admin(d: &Directive) -> Result<Value, AdaptError> {
    let mut admin = Map::new();
    match d.arg_texts().as_slice() {
        [] => {}
        ["off"] => {
            if !d.block.is_empty() {
                return Err(AdaptError::line(
                    d,
                    "No more option is allowed after turning off admin config",
                ));
            }
            return Ok(json!({"disabled": true}));
        }
        ["off", ..] => {
            return Err(AdaptError::line(
                d,
                "No more option is allowed after turning off admin config",
            ));
        }
        [listen] => {
            admin.insert("listen".into(), json!(listen));
        }
        _ => return Err(AdaptError::line(d, "admin takes one address, or off")),
    }
    for sub in &d.block {
        match sub.name.as_str() {
            "enforce_origin" => {
                admin.insert("enforce_origin".into(), json!(true));
            }
            "origins" => {
                admin.insert("origins".into(), json!(sub.arg_texts()));
            }
            other => {
                return Err(AdaptError::line(
                    sub,
                    format!("unrecognized parameter '{other}'"),
                ));
            }
        }
    }
    admin
        .entry("listen")
        .or_insert_with(|| json!(DEFAULT_ADMIN_LISTEN));
    Ok(Value::Object(admin))
}

/// `storage file_system <root>` or `storage file_system { root <root> }`;
/// other storage modules (databases, object stores) are refused by name.
pub fn storage(d: &Directive) -> Result<Value, AdaptError> {
    let args = d.arg_texts();
    let Some(module) = args.first() else {
        return Err(AdaptError::line(d, "storage takes a storage module"));
    };
    if *module != "file_system" {
        return Err(unsupported(
            d,
            &format!(
                "storage module '{module}' (the appliance keeps certificates in a folder: storage file_system <path>)"
            ),
        ));
    }
    let mut root = match &args[1..] {
        [] => None,
        [root] => Some((*root).to_owned()),
        _ => return Err(AdaptError::line(d, "storage file_system takes one path")),
    };
    for sub in &d.block {
        match (sub.name.as_str(), sub.arg_texts().as_slice()) {
            ("root", _) if root.is_some() => {
                return Err(AdaptError::line(sub, "root already set"));
            }
            ("root", [path]) => root = Some((*path).to_owned()),
            ("root", _) => return Err(AdaptError::line(sub, "root takes one path")),
            (other, _) => {
                return Err(AdaptError::line(
                    sub,
                    format!("unrecognized parameter '{other}'"),
                ));
            }
        }
    }
    let Some(root) = root else {
        return Err(AdaptError::line(
            d,
            "missing root path (to use default, omit storage config entirely)",
        ));
    };
    Ok(json!({"module": "file_system", "root": root}))
}

/// `persist_config off`: Caddy stops saving its configuration back to
/// disk (`admin.config.persist`); the appliance never does.
pub fn persist_config(d: &Directive, admin: &mut Option<Value>) -> Result<(), AdaptError> {
    if d.arg_texts().as_slice() != ["off"] {
        return Err(AdaptError::line(d, "persist_config must be 'off'"));
    }
    let admin = admin.get_or_insert_with(|| json!({}));
    admin["config"] = json!({"persist": false});
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::adapt::adapt;
    use crate::serve::Config;
    use crate::tree::Caddyfile;

    fn adapted(global: &str) -> Result<serde_json::Value, String> {
        let text = format!("{{\n{global}\n}}\nerp.example.hn {{\n\trespond ok\n}}\n");
        let tree = Caddyfile::parse("Caddyfile", &text).map_err(|e| e.to_string())?;
        adapt(&tree).map_err(|e| e.to_string())
    }

    #[test]
    fn admin_and_storage_adapt_as_caddy_adapts_them() {
        let j = adapted("\tadmin off\n\tstorage file_system /var/lib/caddy").expect("adapts");
        assert_eq!(j["admin"], json!({"disabled": true}));
        assert_eq!(
            j["storage"],
            json!({"module": "file_system", "root": "/var/lib/caddy"})
        );
        let j = adapted("\tstorage file_system {\n\t\troot /data\n\t}\n\tpersist_config off")
            .expect("adapts");
        assert_eq!(j["storage"]["root"], "/data");
        assert_eq!(j["admin"], json!({"config": {"persist": false}}));
        let j =
            adapted("\tadmin :2020 {\n\t\torigins a.hn\n\t\tenforce_origin\n\t}").expect("adapts");
        assert_eq!(
            j["admin"],
            json!({"listen": ":2020", "origins": ["a.hn"], "enforce_origin": true})
        );
    }

    #[test]
    fn what_caddy_refuses_is_refused_with_its_words() {
        for (global, said) in [
            (
                "\tadmin off {\n\t\torigins x\n\t}",
                "No more option is allowed after turning off admin config",
            ),
            (
                "\tadmin {\n\t\tlisten x\n\t}",
                "unrecognized parameter 'listen'",
            ),
            ("\tstorage file_system", "missing root path"),
            (
                "\tstorage file_system /a {\n\t\troot /b\n\t}",
                "root already set",
            ),
            ("\tstorage consul", "unsupported storage module 'consul'"),
            ("\tpersist_config on", "persist_config must be 'off'"),
        ] {
            let e = adapted(global).expect_err(global);
            assert!(e.contains(said), "{global}: {e}");
        }
    }

    #[test]
    fn serving_takes_admin_off_and_the_storage_folder_and_refuses_an_admin_endpoint() {
        let c = Config::compile(
            &adapted("\tadmin off\n\tstorage file_system /srv/certs").expect("adapts"),
        )
        .expect("served");
        assert_eq!(c.certificates.storage.as_deref(), Some("/srv/certs"));
        Config::compile(&adapted("\tpersist_config off").expect("adapts")).expect("served");
        let e = Config::compile(&adapted("\tadmin 0.0.0.0:2019").expect("adapts"))
            .expect_err("refused");
        assert!(e.0.contains("admin endpoint 0.0.0.0:2019"), "{e}");
        assert!(e.0.contains("admin off"), "says what to write: {e}");
    }
}
