//! sd-notify: READY=1 once a role can serve, STATUS= lines for the admin,
//! STOPPING=1 on shutdown. All no-ops without NOTIFY_SOCKET.

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
}

pub fn stopping() {
    log::info!("stopping");
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}
