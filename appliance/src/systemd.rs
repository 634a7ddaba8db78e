//! sd-notify: READY=1 once a role can serve, STATUS= lines for the admin,
//! WATCHDOG=1 while it lives, STOPPING=1 on shutdown. All no-ops without
//! NOTIFY_SOCKET.

use std::sync::Once;

use sd_notify::NotifyState;

fn send(state: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(state) {
        log::warn!("sd_notify: {e}");
    }
}

pub fn status(line: &str) {
    log::info!("{line}");
    send(&[NotifyState::Status(line)]);
}

pub fn ready(line: &str) {
    log::info!("{line}");
    send(&[NotifyState::Ready, NotifyState::Status(line)]);
    start_watchdog();
}

/// When systemd watches the role (`WatchdogSec=`, which reaches a container
/// as `WATCHDOG_USEC`), send WATCHDOG=1 at half the interval from then on.
/// On the role's async runtime when there is one, so a runtime that stops
/// running tasks stops the pings and systemd restarts the role.
fn start_watchdog() {
    static STARTED: Once = Once::new();
    let Some(interval) = sd_notify::watchdog_enabled() else {
        return;
    };
    STARTED.call_once(|| {
        let every = interval / 2;
        log::info!("telling systemd's watchdog every {} ms", every.as_millis());
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let mut tick = tokio::time::interval(every);
                    loop {
                        tick.tick().await;
                        send(&[NotifyState::Watchdog]);
                    }
                });
            }
            Err(_) => {
                let pinger = std::thread::Builder::new()
                    .name("watchdog".into())
                    .spawn(move || {
                        loop {
                            send(&[NotifyState::Watchdog]);
                            std::thread::sleep(every);
                        }
                    });
                if let Err(e) = pinger {
                    log::warn!("no watchdog pings: {e}");
                }
            }
        }
    });
}

pub fn stopping() {
    log::info!("stopping");
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}
