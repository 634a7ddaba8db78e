//! The command line: one subcommand per role.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "appliance",
    version,
    about = "The ERP appliance: one binary, every role."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Every role in one process; starts a private PostgreSQL and Redis when no URLs are given.
    Up(UpArgs),
    /// The edge: HTTPS (h1, h2) and the HTTP→HTTPS redirect, routing to the API and web roles.
    Proxy(ProxyArgs),
    /// The JSON API under /api.
    Api(ServeArgs),
    /// The web UI.
    Web(ServeArgs),
    /// Runs queued background jobs.
    Worker,
    /// Turns periodic tasks into jobs at their ticks.
    Scheduler,
    /// Applies the embedded database migrations.
    Migrate,
    /// Holds an install's release: the unit podman auto-update restarts
    /// (every role is part of it), ready once every role is; the admin's
    /// commands run in its container.
    Release,
    /// Operator commands.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Container health probe: exits 0 when the role answers (API, web) or can
    /// reach PostgreSQL and Redis (worker, scheduler); otherwise says why and exits 1.
    Healthcheck(HealthcheckArgs),
    /// Caddyfile tools for users coming from Caddy.
    #[command(subcommand)]
    Caddy(CaddyCommand),
    /// The appliance as rootless Podman quadlets (systemd --user units).
    #[command(subcommand)]
    Quadlets(QuadletsCommand),
}

#[derive(Subcommand, Debug)]
pub enum QuadletsCommand {
    /// Write the unit files for the settings into a folder (to read or to copy).
    Render {
        /// The install's settings file (TOML; see quadlets/appliance.example.toml).
        #[arg(long, default_value = "appliance.toml")]
        settings: PathBuf,
        /// The folder to write into (created when missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the unit files where podman's generator and systemd --user read
    /// them (~/.config/containers/systemd, ~/.config/systemd/user) and reload.
    Install {
        /// The install's settings file (TOML; see quadlets/appliance.example.toml).
        #[arg(long, default_value = "appliance.toml")]
        settings: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum CaddyCommand {
    /// Print the Caddyfile as Caddy's JSON configuration (what `caddy adapt`
    /// prints, for the directives the appliance supports); anything else is
    /// an error naming the directive and its line.
    Adapt {
        /// The Caddyfile.
        file: PathBuf,
    },
}

impl Command {
    pub fn role_name(&self) -> &'static str {
        match self {
            Command::Up(_) => "up",
            Command::Proxy(_) => "proxy",
            Command::Api(_) => "api",
            Command::Web(_) => "web",
            Command::Worker => "worker",
            Command::Scheduler => "scheduler",
            Command::Migrate => "migrate",
            Command::Release => "release",
            Command::Admin(_) => "admin",
            Command::Healthcheck(_) => "healthcheck",
            Command::Caddy(_) => "caddy",
            Command::Quadlets(_) => "quadlets",
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct UpArgs {
    /// Where the appliance keeps its data [default: $XDG_DATA_HOME/erp-appliance, else ./var]
    #[arg(long, env = "ERP_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Port of the HTTP listener (it redirects to HTTPS).
    #[arg(long, default_value_t = 8080)]
    pub http_port: u16,
    /// Port of the HTTPS listener.
    #[arg(long, default_value_t = 8443)]
    pub https_port: u16,
    /// Address to listen on; 0.0.0.0 serves the whole network.
    #[arg(long, default_value = "127.0.0.1")]
    pub listen_address: IpAddr,
    /// Load the demo companies and users (once; later runs keep what is there).
    #[arg(long)]
    pub demo: bool,
    /// Also serve `GET /metrics` (Prometheus) on this address, e.g. 127.0.0.1:9464.
    #[arg(long, env = "ERP_METRICS_LISTEN")]
    pub metrics_listen: Option<std::net::SocketAddr>,
    #[command(flatten)]
    pub edge: EdgeArgs,
}

/// How the edge serves, the same for `up` and `proxy`.
#[derive(Args, Debug, Clone)]
pub struct EdgeArgs {
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub acme: AcmeArgs,
    /// Serve HTTP/3 (QUIC) on the HTTPS port's UDP side, advertised with Alt-Svc.
    #[arg(long, env = "ERP_HTTP3", default_value_t = true, action = clap::ArgAction::Set)]
    pub http3: bool,
}

/// Let's Encrypt's production directory, the default CA.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// Automatic HTTPS: the public names the edge gets certificates for.
#[derive(Args, Debug, Clone, Default)]
pub struct AcmeArgs {
    /// A public name of this host (repeat, or separate with commas). Names that cannot
    /// have public certificates (localhost, IPs, .local, .internal) use the local CA.
    #[arg(long = "domain", env = "ERP_DOMAINS", value_delimiter = ',')]
    pub domains: Vec<String>,
    /// Contact address given to the certificate authority (expiry notices).
    #[arg(long, env = "ERP_ACME_EMAIL")]
    pub acme_email: Option<String>,
    /// ACME directory URL [default: Let's Encrypt]; its staging directory or any other CA works too.
    #[arg(long, env = "ERP_ACME_DIRECTORY", default_value = LETS_ENCRYPT)]
    pub acme_directory: String,
    /// Extra root certificate (PEM) to trust for the ACME directory's own HTTPS.
    #[arg(long, env = "ERP_ACME_CA_ROOT")]
    pub acme_ca_root: Option<PathBuf>,
    /// How the CA checks that this host answers for the names.
    #[arg(long, env = "ERP_ACME_CHALLENGE", value_enum, default_value_t = Challenge::TlsAlpn01)]
    pub acme_challenge: Challenge,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Challenge {
    /// On the HTTPS port (443): nothing else needs to be reachable.
    #[default]
    #[value(name = "tls-alpn-01")]
    TlsAlpn01,
    /// On the HTTP port (80).
    #[value(name = "http-01")]
    Http01,
}

/// What the edge allows one client. Branch offices put many users behind one
/// address, so the per-address figures leave room for a whole branch.
#[derive(Args, Debug, Clone, Copy)]
pub struct LimitArgs {
    /// Requests per second one client address may make (429 beyond); 0 turns the limit off.
    #[arg(long, env = "ERP_MAX_REQUESTS_PER_SECOND", default_value_t = 400)]
    pub max_requests_per_second: u32,
    /// Requests one client address may have in flight at once (429 beyond); 0 turns the limit off.
    #[arg(long, env = "ERP_MAX_CONCURRENT_REQUESTS", default_value_t = 256)]
    pub max_concurrent_requests: u32,
    /// Connections (HTTPS and HTTP/3) one client address may hold open at once; those beyond
    /// are closed before the TLS handshake. 0 turns the limit off.
    #[arg(long, env = "ERP_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 256)]
    pub max_connections_per_client: u32,
    /// Largest request body in bytes (413 beyond); room for a 20 MiB import file.
    #[arg(long, env = "ERP_MAX_BODY_BYTES", default_value_t = 25 * 1024 * 1024)]
    pub max_body_bytes: u64,
    /// Seconds a client may take between two parts of its request or while reading the answer.
    #[arg(long, env = "ERP_CLIENT_TIMEOUT_SECONDS", default_value_t = 30)]
    pub client_timeout_seconds: u64,
    /// Seconds an upstream may take between two parts of its answer.
    #[arg(long, env = "ERP_UPSTREAM_TIMEOUT_SECONDS", default_value_t = 60)]
    pub upstream_timeout_seconds: u64,
    /// Requests the edge has in flight to one upstream at once; more wait at the edge, up to
    /// the upstream timeout (then 503). A burst then queues here instead of opening a
    /// connection per request to a role whose database pool is far smaller. 0: no limit.
    #[arg(long, env = "ERP_MAX_UPSTREAM_REQUESTS", default_value_t = 256)]
    pub max_upstream_requests: u32,
}

#[derive(Args, Debug, Clone)]
pub struct ProxyArgs {
    /// HTTP listener (answers 308 to HTTPS).
    #[arg(long, default_value = "0.0.0.0:80")]
    pub http: SocketAddr,
    /// HTTPS listener.
    #[arg(long, default_value = "0.0.0.0:443")]
    pub https: SocketAddr,
    /// Where the API role listens.
    #[arg(long, env = "ERP_API_UPSTREAM", default_value = "127.0.0.1:3001")]
    pub api_upstream: SocketAddr,
    /// Where the web role listens.
    #[arg(long, env = "ERP_WEB_UPSTREAM", default_value = "127.0.0.1:3002")]
    pub web_upstream: SocketAddr,
    /// Directory with the local CA (created on first run).
    #[arg(long, env = "ERP_TLS_DIR", default_value = "/var/lib/erp/tls")]
    pub tls_dir: PathBuf,
    /// A plain-HTTP listener for health probes (GET /health), in the proxy's own
    /// network namespace; under socket activation in a container, readiness is
    /// checked there, since the handed-over sockets are the host's.
    #[arg(long, env = "ERP_HEALTH_LISTEN")]
    pub health_listen: Option<SocketAddr>,
    /// Serve the sites of this Caddyfile instead of the API/web split. Its http_port and
    /// https_port choose the ports (on the --http/--https addresses); SIGHUP reloads it.
    #[arg(long, env = "ERP_CADDYFILE")]
    pub caddyfile: Option<PathBuf>,
    #[command(flatten)]
    pub edge: EdgeArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long)]
    pub listen: SocketAddr,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create the install's podman secrets (random values; existing ones are
    /// kept). Run once as the appliance's account, before `quadlets install`.
    Init,
    /// Back up the database now into the erp-backups volume (what the daily
    /// timer and every start and update do) and print the file.
    Backup,
    /// Replace the database with a backup (a file `admin backup` or the
    /// timer made). The file is checked first; the current data is backed up
    /// before it is replaced; the appliance is stopped meanwhile.
    Restore {
        /// The backup file (erp-<time>.dump).
        file: PathBuf,
    },
    /// Print the job queue's backlog: jobs waiting for a worker, due later
    /// (retries among them) and given up on.
    Queue,
    /// The dead jobs (those that failed every attempt), and what to do with them.
    Jobs {
        #[command(subcommand)]
        action: JobsCommand,
    },
    /// One screen on an install of quadlets: every unit's state, version and
    /// health, the certificate's expiry, the last backup and the job queue.
    /// Exits 1 when something needs the admin.
    Status {
        /// The install's settings file (its domain and HTTPS port).
        #[arg(long, default_value = "appliance.toml")]
        settings: PathBuf,
    },
    /// Queue a test e-mail to ADDRESS from a company (its sender setting,
    /// its name): checks the mail server set up for the workers.
    MailTest {
        address: String,
        /// The company's name [default: the first company].
        #[arg(long)]
        company: Option<String>,
    },
    /// Create a company.
    CreateCompany {
        #[arg(long)]
        name: String,
        #[arg(long)]
        legal_name: String,
        /// RTN: 14 digits.
        #[arg(long)]
        rtn: Option<String>,
    },
    /// Create a user in a company with a role; the password is read from standard input.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Company name.
        #[arg(long)]
        company: String,
        /// group_admin, company_admin, accountant, sales, warehouse or read_only.
        #[arg(long)]
        role: String,
    },
    /// Turn off a user's two-step verification (a lost phone); they set it up
    /// again at their next sign-in if a company requires it.
    ResetTotp {
        #[arg(long)]
        email: String,
    },
}

#[derive(Args, Debug, Clone)]
#[group(multiple = false)]
pub struct HealthcheckArgs {
    /// host:port of an API role; probes GET /api/health (the default: 127.0.0.1:3001).
    #[arg(long)]
    pub api: Option<SocketAddr>,
    /// host:port of a web role; probes GET /login.
    #[arg(long)]
    pub web: Option<SocketAddr>,
    /// host:port of a proxy's health listener (its --health-listen); probes GET /health.
    #[arg(long)]
    pub proxy: Option<SocketAddr>,
    /// Connect to PostgreSQL and Redis as configured in the environment (a
    /// worker's or the scheduler's health: what they need to take work).
    #[arg(long)]
    pub services: bool,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List the most recent dead jobs: id, type, attempts, when, last error.
    Dead,
    /// Run a dead job again, with its attempts counted from zero.
    Retry { id: String },
    /// Delete a dead job for good.
    Discard { id: String },
}
