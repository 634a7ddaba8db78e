//! Black-box tests: each starts the built `appliance` binary on free ports in
//! a fresh data directory (with its own private PostgreSQL and Redis) and
//! talks to it the way a browser, an API client or systemd would.

mod edge_harness;
mod edge_lifecycle;
mod harness;
mod pebble;
mod versions;

mod acme;
mod api;
mod attachments;
mod browser;
mod browser_admin;
mod browser_import;
mod browser_master_data;
mod browser_sales;
mod caddy_cli;
mod caddyfile_globals;
mod caddyfile_proxy;
mod client_gone;
mod compression;
mod contract;
mod csv_transfer;
mod edge_limits;
mod exports;
mod health;
mod http3;
mod isolation;
mod jobs_admin;
mod journal;
mod lifecycle;
mod mail;
mod master_data;
mod permissions;
mod proxy_down;
mod proxy_start;
mod purchases;
mod quadlets;
mod queue;
mod receivables;
mod redelivery;
mod report_runs;
mod rollback_schema;
mod sales;
mod schedules;
mod server_login;
mod session;
mod socket_activation;
mod stock;
mod stock_locations;
mod stock_reports;
mod totp;
mod users_admin;
mod web;
mod worker_instances;
