//! Starting and stopping the appliance for a test.

use std::net::TcpListener;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

pub const BIN: &str = env!("CARGO_BIN_EXE_appliance");
pub const ADMIN: (&str, &str) = ("admin@demo.hn", "demo-admin-2026");
pub const MANAGER: (&str, &str) = ("gerente@demo.hn", "demo-usuario-2026");

/// The islands' bundle built by `scripts/build-islands.sh`.
pub fn site_dir() -> PathBuf {
    std::env::var_os("ERP_SITE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../web-ui/site"))
}

/// The appliance crate's folder in the checkout running the tests. Cargo
/// says so at run time; the compile-time value can name another checkout
/// when a target directory is shared and cargo finds the binary fresh.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf())
}

/// A port that is free now and stays free until the test's process binds
/// it. Ports are taken in turn from below the kernel's ephemeral range
/// (32768 and up on Linux): the kernel never hands those out for `bind(0)` or
/// for outgoing connections, which it does while `up` is still starting its
/// database, long before its proxy binds. Free for TCP and UDP (HTTP/3).
pub fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    // Start where another run of this binary is unlikely to be.
    let base = 20_000 + (std::process::id() % 6_000) as u16;
    loop {
        let port = base + NEXT.fetch_add(1, Ordering::Relaxed) % 6_000;
        let tcp = TcpListener::bind(("127.0.0.1", port));
        let udp = std::net::UdpSocket::bind(("127.0.0.1", port));
        if tcp.is_ok() && udp.is_ok() {
            return port;
        }
    }
}

/// The sd_notify messages a child sent, collected by a background thread.
#[derive(Clone, Default)]
pub struct Notifications(Arc<Mutex<Vec<String>>>);

impl Notifications {
    pub fn listen(path: &Path) -> std::io::Result<Notifications> {
        let sock = UnixDatagram::bind(path)?;
        let seen = Notifications::default();
        let store = seen.0.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 4096];
            while let Ok(n) = sock.recv(&mut buf) {
                let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
                if let Ok(mut v) = store.lock() {
                    v.extend(msg.lines().map(str::to_owned));
                }
            }
        });
        Ok(seen)
    }

    pub fn all(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }

    pub fn wait_for(&self, line: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.all().iter().any(|l| l == line) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

/// One running `appliance up`.
pub struct App {
    pub dir: Arc<tempfile::TempDir>,
    pub https_port: u16,
    pub http_port: u16,
    pub metrics_port: u16,
    pub child: Option<Child>,
    pub notes: Notifications,
    pub log: PathBuf,
}

impl App {
    /// Start with the demo data in a new data directory.
    pub fn start() -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
        let dir = Arc::new(tempfile::Builder::new().prefix("erp-test-").tempdir()?);
        App::start_in(dir)
    }

    /// Start (again) on an existing data directory.
    pub fn start_in(
        dir: Arc<tempfile::TempDir>,
    ) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
        App::start_with(dir, None, &[])
    }

    /// Start with extra environment (an SMTP server, say).
    pub fn start_env(
        env: &[(&str, &str)],
    ) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
        let dir = Arc::new(tempfile::Builder::new().prefix("erp-test-").tempdir()?);
        App::start_with(dir, None, env)
    }

    /// Start on servers of another instance: `(ERP_DATABASE_URL, ERP_REDIS_URL)`.
    pub fn start_on(
        servers: (String, String),
    ) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
        let dir = Arc::new(tempfile::Builder::new().prefix("erp-test-").tempdir()?);
        App::start_with(dir, Some(servers), &[])
    }

    fn start_with(
        dir: Arc<tempfile::TempDir>,
        servers: Option<(String, String)>,
        env: &[(&str, &str)],
    ) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
        crate::versions::announce();
        let (https_port, http_port, metrics_port) = (free_port(), free_port(), free_port());
        let notify = dir.path().join(format!("notify-{https_port}.sock"));
        let notes = Notifications::listen(&notify)?;
        let log = dir.path().join(format!("appliance-{https_port}.log"));
        let mut command = Command::new(BIN);
        command
            .env_remove("ERP_DATABASE_URL")
            .env_remove("ERP_REDIS_URL");
        if let Some((database, redis)) = servers {
            command
                .env("ERP_DATABASE_URL", database)
                .env("ERP_REDIS_URL", redis);
        }
        command.envs(env.iter().copied());
        let child = command
            .args(["up", "--demo", "--data-dir"])
            .arg(dir.path().join("data"))
            .args([
                "--http-port",
                &http_port.to_string(),
                "--https-port",
                &https_port.to_string(),
                "--metrics-listen",
                &format!("127.0.0.1:{metrics_port}"),
            ])
            .env("NOTIFY_SOCKET", &notify)
            .env("ERP_SITE_DIR", site_dir())
            .env_remove("JOURNAL_STREAM")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log)?)
            .stderr(std::fs::File::options().append(true).open(&log)?)
            .spawn()?;
        let mut app = App {
            dir,
            https_port,
            http_port,
            metrics_port,
            child: Some(child),
            notes,
            log,
        };
        // Wait for READY=1, but stop waiting as soon as the process is gone
        // (a failed migration would otherwise cost the full 90 s).
        let deadline = std::time::Instant::now() + Duration::from_secs(90);
        let mut ready = false;
        while std::time::Instant::now() < deadline {
            if app.notes.wait_for("READY=1", Duration::from_millis(200)) {
                ready = true;
                break;
            }
            if let Some(child) = app.child.as_mut()
                && child.try_wait()?.is_some()
            {
                break;
            }
        }
        if !ready {
            let log = app.log_text();
            app.stop();
            return Err(format!(
                "the appliance did not send READY=1 (exited, or 90 s passed); its log:\n{log}"
            )
            .into());
        }
        Ok(app)
    }

    /// `up --metrics-listen`: the Prometheus scrape.
    pub fn metrics_url(&self) -> String {
        format!("http://127.0.0.1:{}/metrics", self.metrics_port)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.https_port)
    }

    /// The owner's connection URL of the private PostgreSQL.
    pub fn database_url(&self) -> String {
        format!(
            "postgres://erp@localhost/erp?host={}",
            self.data_dir().join("pg/run").display()
        )
    }

    pub fn redis_url(&self) -> String {
        format!(
            "redis+unix://{}",
            self.data_dir().join("redis/redis.sock").display()
        )
    }

    fn ca(&self) -> Result<reqwest::Certificate, Box<dyn std::error::Error + Send + Sync>> {
        let pem = std::fs::read(self.data_dir().join("tls/local-ca.pem"))?;
        Ok(reqwest::Certificate::from_pem(&pem)?)
    }

    /// A client that trusts only the appliance's local CA, keeps cookies and
    /// does not follow redirects (tests look at them).
    pub fn client(&self) -> Result<reqwest::Client, Box<dyn std::error::Error + Send + Sync>> {
        Ok(reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(self.ca()?)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?)
    }

    pub fn client_h1(&self) -> Result<reqwest::Client, Box<dyn std::error::Error + Send + Sync>> {
        Ok(reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(self.ca()?)
            .http1_only()
            .redirect(reqwest::redirect::Policy::none())
            .build()?)
    }

    /// Log in through the API; the client keeps the session cookie.
    pub async fn api_login(
        &self,
        who: (&str, &str),
    ) -> Result<(reqwest::Client, Value), Box<dyn std::error::Error + Send + Sync>> {
        let client = self.client()?;
        let res = client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({ "email": who.0, "password": who.1 }))
            .send()
            .await?;
        if res.status() != 200 {
            return Err(format!(
                "login of {} failed: {} {}",
                who.0,
                res.status(),
                res.text().await?
            )
            .into());
        }
        let me: Value = res.json().await?;
        Ok((client, me))
    }

    /// Wait until the worker has finished export `id`; returns its JSON.
    pub async fn export_done(
        &self,
        client: &reqwest::Client,
        id: &str,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let url = self.url(&format!("/api/v1/exports/{id}"));
        eventually(Duration::from_secs(30), || async {
            let e: Value = json_of(client, &url).await?;
            (e["status"] == "done").then_some(e)
        })
        .await
        .ok_or_else(|| {
            format!(
                "export {id} did not finish within 30 s; log:\n{}",
                self.log_text()
            )
            .into()
        })
    }

    /// SIGTERM and wait; returns the exit code and how long it took.
    pub fn terminate(
        &mut self,
    ) -> Result<(Option<i32>, Duration), Box<dyn std::error::Error + Send + Sync>> {
        let mut child = self.child.take().ok_or("not running")?;
        let start = Instant::now();
        kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM)?;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok((status.code(), start.elapsed()));
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                return Err("the appliance did not exit within 20 s of SIGTERM".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) {
        if self.child.is_some() {
            let _ = self.terminate();
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A helper process (chromedriver, a Redis, a second role) killed with the test.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An API role started alone with `command`'s environment, and the status of
/// the demo admin's sign-in through it.
pub async fn api_role_sign_in(
    command: Command,
) -> Result<(Role, reqwest::StatusCode), Box<dyn std::error::Error + Send + Sync>> {
    let api = Role::start("api", command)?;
    let signed_in = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/api/v1/session", api.port))
        .json(&serde_json::json!({ "email": ADMIN.0, "password": ADMIN.1 }))
        .send()
        .await?;
    let status = signed_in.status();
    Ok((api, status))
}

/// One role of the appliance started alone (`api` or `web` on a free port;
/// `worker`, `scheduler`),
/// as its container starts it: `command` carries the role's environment; the
/// role is returned once it has sent READY=1, with what it told systemd.
pub struct Role {
    pub port: u16,
    pub notes: Notifications,
    _process: KillOnDrop,
    _dir: tempfile::TempDir,
}

impl Role {
    pub fn start(
        role: &str,
        mut command: Command,
    ) -> Result<Role, Box<dyn std::error::Error + Send + Sync>> {
        let dir = tempfile::tempdir()?;
        let notify = dir.path().join("notify.sock");
        let notes = Notifications::listen(&notify)?;
        let port = free_port();
        command.arg(role);
        // The serving roles listen; the worker and the scheduler do not.
        if matches!(role, "api" | "web") {
            command.args(["--listen", &format!("127.0.0.1:{port}")]);
        }
        let process = KillOnDrop(
            command
                .env("NOTIFY_SOCKET", &notify)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?,
        );
        if !notes.wait_for("READY=1", Duration::from_secs(30)) {
            return Err(format!("the {role} role did not get ready: {:?}", notes.all()).into());
        }
        Ok(Role {
            port,
            notes,
            _process: process,
            _dir: dir,
        })
    }
}

/// Wait for a condition, polling every 200 ms.
/// GET `url` as JSON with `client`; `None` on any failure (for polling
/// with [`eventually`]).
pub async fn json_of(client: &reqwest::Client, url: impl reqwest::IntoUrl) -> Option<Value> {
    client.get(url).send().await.ok()?.json().await.ok()
}

pub async fn eventually<F, Fut, T>(timeout: Duration, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(v) = probe().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

/// The value of a hidden `csrf` input in a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

/// The id of the company called `name` in a `/api/v1/me` answer.
pub fn company_id(
    me: &Value,
    name: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    Ok(me["companies"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["company_name"] == name))
        .and_then(|c| c["company_id"].as_str())
        .ok_or_else(|| format!("no company {name} in {me}"))?
        .to_owned())
}

/// Log in and make `company` the active company.
pub async fn login_in(
    app: &App,
    who: (&str, &str),
    company: &str,
) -> Result<reqwest::Client, Box<dyn std::error::Error + Send + Sync>> {
    let (client, me) = app.api_login(who).await?;
    let id = company_id(&me, company)?;
    let res = client
        .put(app.url("/api/v1/me/company"))
        .json(&serde_json::json!({ "company_id": id }))
        .send()
        .await?;
    if !res.status().is_success() {
        return Err(format!("switching {} to {company}: {}", who.0, res.status()).into());
    }
    Ok(client)
}
