//! Keep a child process running until asked to stop.

use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A supervised child: restarted with backoff when it exits on its own.
pub struct Supervised {
    name: &'static str,
    stop_tx: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Supervised {
    /// `make` builds the command for each (re)start; `stop_signal` asks the
    /// child to shut down (PostgreSQL: SIGINT = fast shutdown).
    pub fn start(
        name: &'static str,
        make: impl Fn() -> Command + Send + 'static,
        stop_signal: Signal,
    ) -> anyhow::Result<Supervised> {
        // Own process group: a Ctrl-C in the terminal reaches only the
        // appliance, which then stops the children in order.
        let spawn =
            move |make: &dyn Fn() -> Command| make().kill_on_drop(true).process_group(0).spawn();
        let first = spawn(&make).map_err(|e| anyhow::anyhow!("starting {name}: {e}"))?;
        let (stop_tx, mut stop_rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut child: Child = first;
            let mut backoff = Duration::from_millis(500);
            loop {
                tokio::select! {
                    status = child.wait() => {
                        log::error!("{name} exited unexpectedly ({status:?}); restarting in {backoff:?}");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(30));
                        match spawn(&make) {
                            Ok(c) => child = c,
                            Err(e) => { log::error!("restarting {name}: {e}"); continue; }
                        }
                    }
                    _ = stop_rx.changed() => {
                        stop_child(name, &mut child, stop_signal).await;
                        return;
                    }
                }
            }
        });
        Ok(Supervised {
            name,
            stop_tx,
            task,
        })
    }

    /// Stop the child and wait for it (it is killed after 8 s).
    pub async fn stop(self) {
        let _ = self.stop_tx.send(true);
        if let Err(e) = self.task.await {
            log::error!("{}: supervisor task failed: {e}", self.name);
        }
    }
}

async fn stop_child(name: &str, child: &mut Child, signal: Signal) {
    if let Some(pid) = child.id() {
        let _ = kill(Pid::from_raw(pid as i32), signal);
    }
    match tokio::time::timeout(Duration::from_secs(8), child.wait()).await {
        Ok(_) => log::info!("{name} stopped"),
        Err(_) => {
            log::warn!("{name} did not stop in time; killing it");
            let _ = child.kill().await;
        }
    }
}
