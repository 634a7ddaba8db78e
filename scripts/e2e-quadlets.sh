#!/usr/bin/env bash
# The appliance as it ships, end to end under a real systemd: builds the
# images, boots a Debian 13 tree with systemd-nspawn (its own network), makes
# a lingering unprivileged user `erp`, loads the images, runs `appliance admin
# init` and `appliance quadlets install`, starts erp.target and checks what an
# admin and a user would see. Prints one line per step with its time; stops at
# the first failure (the details are in the log it names). Not part of the
# test command: it takes minutes and needs root. Run as root on Debian 12:
#   ./scripts/e2e-quadlets.sh
set -uo pipefail
cd "$(dirname "$0")/.."
work=${E2E_DIR:-$HOME/.cache/erp-e2e}
mkdir -p "$work"
log="$work/e2e.log"
: >"$log"
root="$work/root"
tag=e2e
booted=""
nspawn=""

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%6.1f", b - a }'; }
# step NAME COMMAND...: run, print ok/FAIL with the time; stop on failure.
step() {
  local name=$1 t0
  shift
  t0=$(now)
  echo "== $name" >>"$log"
  if "$@" >>"$log" 2>&1; then
    echo "ok   $(since "$t0") s  $name"
  else
    echo "FAIL $(since "$t0") s  $name (log: $log)"
    [ -n "$booted" ] && diagnose >>"$log" 2>&1
    exit 1
  fi
}
# What the units say, for the log of a failed step.
diagnose() {
  echo "== the units after the failure"
  as_erp systemctl --user --no-pager --all list-units 'erp*'
  for unit in $(as_erp systemctl --user --no-legend --plain --all list-units 'erp*' |
    awk '$3 != "active" || $4 == "exited" { print $1 }'); do
    echo "== journal of $unit"
    as_erp journalctl --user --no-pager -n 40 -u "$unit"
  done
}
# In the booted tree, as root / as the appliance's user.
inside() { nsenter -t "$booted" -a "$@"; }
as_erp() {
  inside runuser -u erp -- env XDG_RUNTIME_DIR=/run/user/1000 \
    DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus HOME=/home/erp "$@"
}
# Poll COMMAND every half second for up to SECONDS.
within() {
  local seconds=$1 deadline
  shift
  deadline=$(($(date +%s) + seconds))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}
# nspawn asks the tree's systemd to power off when it gets SIGTERM;
# E2E_KEEP=1 leaves the tree running to look at (nsenter -t PID -a).
stop_tree() {
  [ -n "${E2E_KEEP:-}" ] && [ -n "$booted" ] && echo "the tree runs on: nsenter -t $booted -a bash" && return 0
  [ -n "$nspawn" ] && kill "$nspawn" 2>/dev/null && wait "$nspawn" 2>/dev/null
  return 0
}
trap stop_tree EXIT

. scripts/setup-debian.sh >/dev/null
command -v systemd-nspawn >/dev/null || apt-get install -y -qq systemd-container >/dev/null

build_images() {
  ./scripts/build-image.sh "localhost/erp-appliance:$tag" &&
    podman build --quiet --isolation chroot -t localhost/erp-postgres:15 images/postgres &&
    podman build --quiet --isolation chroot -t localhost/erp-redis:7 images/redis
}
step "build the appliance image and the PostgreSQL and Redis stand-ins" build_images
podman image inspect --format '{{.Size}}' "localhost/erp-appliance:$tag" |
  awk '{ printf "     image localhost/erp-appliance:'"$tag"': %.1f MiB\n", $1 / 1048576 }'

make_tree() {
  # A tree left running by an earlier E2E_KEEP=1 run powers off first.
  pkill -f "systemd-nspawn -D $root " && sleep 5
  if [ ! -x "$work/base/usr/sbin/nft" ]; then
    rm -rf "$work/base"
    debootstrap --variant=minbase \
      --include=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,podman,passt,uidmap,netavark,aardvark-dns,nftables,crun,catatonit,iproute2,curl,ca-certificates \
      trixie "$work/base" "$(debian_mirror)" || return 1
  fi
  rm -rf "$root" && cp -a "$work/base" "$root" &&
    echo e2e >"$root/etc/hostname" &&
    mkdir -p "$root/etc/containers" &&
    printf '[containers]\nkeyring = false\npids_limit = 0\n' >"$root/etc/containers/containers.conf" &&
    chroot "$root" useradd --create-home --uid 1000 --shell /bin/bash erp &&
    mkdir -p "$root/var/lib/systemd/linger" && touch "$root/var/lib/systemd/linger/erp" &&
    cp "${CARGO_TARGET_DIR:-target}/release/appliance" "$root/usr/local/bin/appliance" &&
    for image in "localhost/erp-appliance:$tag" localhost/erp-postgres:15 localhost/erp-redis:7; do
      podman save --quiet --format oci-archive -o "$root/home/erp/$(echo "$image" | tr '/:' '__').tar" "$image" || return 1
    done &&
    cat >"$root/home/erp/appliance.toml" <<EOF &&
domain = "erp.e2e.internal"
acme_email = "ti@example.hn"
workers = 2
http_port = 8080
https_port = 8443
[images]
appliance = "localhost/erp-appliance:$tag"
postgres = "localhost/erp-postgres:15"
redis = "localhost/erp-redis:7"
EOF
    chroot "$root" chown -R erp:erp /home/erp
}
step "a Debian 13 tree with podman 5 and the user erp (lingering)" make_tree

boot() {
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn -D "$root" --register=no --keep-unit \
    --private-network --console=passive -b >"$work/boot.log" 2>&1 &
  nspawn=$!
  within 60 sh -c "pgrep -f '^/usr/lib/systemd/systemd$' -P $nspawn >/dev/null" || return 1
  booted=$(pgrep -f '^/usr/lib/systemd/systemd$' -P "$nspawn")
  within 60 sh -c "nsenter -t $booted -a systemctl is-system-running | grep -qE 'running|degraded'" &&
    inside ip link set lo up &&
    # Quadlet units wait for network-online.target (up to 90 s); a tree with
    # a private network has no network manager to reach it.
    inside systemctl start network-online.target &&
    within 30 inside systemctl is-active --quiet user@1000.service
}
step "boot it with systemd-nspawn (its own network); erp's user manager runs" boot

load() {
  for tar in "$root"/home/erp/*.tar; do
    as_erp podman load --quiet -i "/home/erp/$(basename "$tar")" || return 1
  done
}
step "load the images as erp" load
step "appliance admin init (podman secrets)" as_erp appliance admin init
step "appliance quadlets install" as_erp sh -c 'cd && appliance quadlets install --settings appliance.toml'

https_200() { inside curl -skf --max-time 5 -o /dev/null "https://127.0.0.1:8443/login"; }
t0=$(now)
step "systemctl --user start erp.target" as_erp systemctl --user start erp.target
step "the site answers 200 over HTTPS" within 60 https_200
echo "     start erp.target → first HTTPS 200: $(since "$t0") s"

step "HTTP/2 over TLS" sh -c "nsenter -t $booted -a curl -sk --http2 -o /dev/null -w '%{http_version}' https://127.0.0.1:8443/login | grep -qx 2"
step "port 8080 redirects to HTTPS" sh -c "nsenter -t $booted -a curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/login | grep -qx 308"
echo "     (the demo data is not loaded in an install: the first company and user come from appliance admin)"
# Whole outputs, then grep: `grep -q` closing the pipe early fails the step (pipefail).
status_line() {
  local out
  out=$(as_erp systemctl --user --no-pager status erp-api.service) &&
    grep 'Status: "Api role serving' <<<"$out"
}
step "systemctl --user status erp-api shows the role's STATUS= line" status_line
journal_fields() {
  local out
  out=$(as_erp journalctl --user -u erp-proxy.service -o json --no-pager) &&
    grep -o '"PRIORITY":"6"' <<<"$out" | head -n 1 &&
    grep -o '"PATH":"/login"' <<<"$out" | head -n 1 &&
    grep -o '"STATUS":"200"' <<<"$out" | head -n 1
}
step "journalctl --user -o json has the proxy's access-log fields" journal_fields

killed_and_back() {
  local before
  before=$(as_erp podman inspect --format '{{.State.StartedAt}}' erp-api) &&
    as_erp podman kill erp-api &&
    within 60 sh -c "[ \"\$(nsenter -t $booted -a runuser -u erp -- env XDG_RUNTIME_DIR=/run/user/1000 podman inspect --format '{{.State.StartedAt}}' erp-api 2>/dev/null)\" != '$before' ]" &&
    within 60 sh -c "nsenter -t $booted -a curl -skf -o /dev/null https://127.0.0.1:8443/api/health"
}
t0=$(now)
step "podman kill erp-api: systemd restarts it and /api/health answers" killed_and_back
echo "     back after $(since "$t0") s"
echo "all steps passed"
