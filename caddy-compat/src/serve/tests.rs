use super::*;
use crate::tree::Caddyfile;

fn compile(text: &str) -> Config {
    let cf = Caddyfile::parse("Caddyfile", text).expect("parses");
    Config::compile(&crate::adapt::adapt(&cf).expect("adapts")).expect("compiles")
}

fn get(host: &str, path: &str) -> Request {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    Request {
        method: "GET".into(),
        host: host.into(),
        path: path.into(),
        query: query.into(),
        https: true,
        ..Request::default()
    }
}

fn never(_: &BasicAuth, _: &str, _: &str) -> bool {
    false
}

fn upstream(c: &Config, plan: &Plan) -> Option<String> {
    match plan.end {
        End::Proxy(id) => Some(c.proxies[id].upstreams[0].clone()),
        _ => None,
    }
}

#[test]
fn encode_names_the_encodings_a_route_allows() {
    let c = compile(
        "example.hn {\n\thandle /gz/* {\n\t\tencode gzip\n\t\trespond ok\n\t}\n\thandle /long/* {\n\t\tencode {\n\t\t\tminimum_length 4096\n\t\t}\n\t\trespond ok\n\t}\n\trespond plain\n}\n",
    );
    let gz = plan(&c.https, get("example.hn", "/gz/a"), &never);
    assert_eq!(
        (gz.encode.as_slice(), gz.encode_minimum_length),
        (&["gzip".to_owned()][..], None)
    );
    let long = plan(&c.https, get("example.hn", "/long/a"), &never);
    assert_eq!(long.encode, ["zstd", "gzip"]);
    assert_eq!(long.encode_minimum_length, Some(4096));
    let plain = plan(&c.https, get("example.hn", "/b"), &never);
    assert!(plain.encode.is_empty(), "no encode: as it is");
}

#[test]
fn the_appliance_example_routes_api_and_the_rest() {
    let c = compile(
        "erp.example.hn {\n\tencode\n\theader X-Frame-Options DENY\n\thandle /api/* {\n\t\treverse_proxy 127.0.0.1:3001\n\t}\n\thandle {\n\t\treverse_proxy 127.0.0.1:3002\n\t}\n}\n",
    );
    let api = plan(&c.https, get("erp.example.hn", "/api/health"), &never);
    assert_eq!(upstream(&c, &api).as_deref(), Some("127.0.0.1:3001"));
    assert_eq!(api.encode, ["zstd", "gzip"], "encode alone: Caddy's two");
    assert_eq!(api.response_headers[0].set[0].0, "X-Frame-Options");
    let web = plan(&c.https, get("erp.example.hn", "/sales"), &never);
    assert_eq!(upstream(&c, &web).as_deref(), Some("127.0.0.1:3002"));
    let other = plan(&c.https, get("other.example.hn", "/"), &never);
    assert!(
        matches!(other.end, End::Nothing),
        "another host matches no site"
    );
    assert_eq!(c.certificates.acme, vec!["erp.example.hn".to_owned()]);
}

#[test]
fn handle_path_strips_redir_expands_and_respond_answers() {
    let c = compile(
        "localhost {\n\thandle_path /static/* {\n\t\treverse_proxy 127.0.0.1:9000\n\t}\n\tredir /old /new?from={uri} 301\n\trespond /hi \"hola {host}\" 201\n}\n",
    );
    let p = plan(&c.https, get("localhost", "/static/app.css"), &never);
    assert_eq!(p.request.path, "/app.css");
    let r = plan(&c.https, get("localhost", "/old?a=1"), &never);
    let End::Respond(redir) = r.end else {
        panic!("{r:?}")
    };
    assert_eq!(redir.status, 301);
    assert_eq!(redir.headers[0].1, vec!["/new?from=/old?a=1".to_owned()]);
    let hi = plan(&c.https, get("localhost", "/hi"), &never);
    let End::Respond(hi) = hi.end else {
        panic!("{hi:?}")
    };
    assert_eq!((hi.status, hi.body.as_str()), (201, "hola localhost"));
    assert_eq!(c.certificates.internal, vec!["localhost".to_owned()]);
}

#[test]
fn basic_auth_asks_for_credentials_and_checks_them() {
    let c = compile("localhost {\n\tbasic_auth {\n\t\tana $2a$14$hash\n\t}\n\trespond ok\n}\n");
    let anonymous = plan(&c.https, get("localhost", "/"), &never);
    assert!(matches!(anonymous.end, End::Unauthorized(_)));
    let mut req = get("localhost", "/");
    req.headers
        .push(("authorization".into(), "Basic YW5hOnNlY3JldA==".into()));
    let right = |_: &BasicAuth, u: &str, p: &str| u == "ana" && p == "secret";
    assert!(matches!(
        plan(&c.https, req.clone(), &right).end,
        End::Respond(_)
    ));
    assert!(matches!(
        plan(&c.https, req, &never).end,
        End::Unauthorized(_)
    ));
}

#[test]
fn what_cannot_be_served_is_named_when_compiling() {
    let json = serde_json::json!({"apps": {"http": {"servers": {"srv0": {"listen": [":443"],
        "routes": [{"handle": [{"handler": "php_fastcgi"}]}]}}}}});
    let e = Config::compile(&json).expect_err("refused");
    assert!(e.0.contains("php_fastcgi"), "{e}");
    let other_port = compile_err("{\n\thttp_port 8080\n}\n:9000 {\n\trespond hi\n}\n");
    assert!(other_port.contains("port 9000"), "{other_port}");
}

fn compile_err(text: &str) -> String {
    let cf = Caddyfile::parse("Caddyfile", text).expect("parses");
    Config::compile(&crate::adapt::adapt(&cf).expect("adapts"))
        .expect_err("refused")
        .0
}
