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
# Where the maintainer publishes the appliance and the install pulls it from.
published=localhost:5000/erp/appliance:stable
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
  # bench/quadlets.py measures on the kept tree through this file.
  [ -n "${E2E_KEEP:-}" ] && [ -n "$booted" ] && echo "$booted" >"$work/tree.pid" &&
    echo "the tree runs on: nsenter -t $booted -a bash" && return 0
  rm -f "$work/tree.pid"
  [ -n "$nspawn" ] && kill "$nspawn" 2>/dev/null && wait "$nspawn" 2>/dev/null
  return 0
}
trap stop_tree EXIT

. scripts/setup-debian.sh >/dev/null
command -v systemd-nspawn >/dev/null || apt-get install -y -qq systemd-container >/dev/null
python3 -c 'import ensurepip' 2>/dev/null || apt-get install -y -qq python3-venv >/dev/null

# The release the install starts on, a good next release (the same binary,
# another image), a broken one whose binary cannot start, and one where only
# the proxy cannot.
derived() {
  local name=$1 dir
  dir=$(mktemp -d) && cat >"$dir/Containerfile" &&
    podman build --quiet --isolation chroot -t "$name" "$dir" >/dev/null && rm -rf "$dir"
}
build_images() {
  ./scripts/build-image.sh "localhost/erp-appliance:$tag" &&
    derived localhost/erp-appliance:next <<EOF &&
FROM localhost/erp-appliance:$tag
LABEL org.opencontainers.image.version=e2e-next
EOF
    derived localhost/erp-appliance:broken <<EOF &&
FROM localhost/erp-appliance:$tag
LABEL org.opencontainers.image.version=e2e-broken
ENTRYPOINT ["/usr/local/bin/appliance", "--an-option-this-release-does-not-have"]
EOF
    # Only its proxy fails: migrations and the other roles start.
    derived localhost/erp-appliance:broken-proxy <<EOF &&
FROM localhost/erp-appliance:$tag
LABEL org.opencontainers.image.version=e2e-broken-proxy
ENV ERP_HTTP3=maybe
EOF
    podman build --quiet --isolation chroot -t localhost/erp-postgres:15 images/postgres &&
    podman build --quiet --isolation chroot -t localhost/erp-redis:7 images/redis
}
step "build the appliance image (and a next release and two broken ones), the PostgreSQL and Redis stand-ins" build_images
podman image inspect --format '{{.Size}}' "localhost/erp-appliance:$tag" |
  awk '{ printf "     image localhost/erp-appliance:'"$tag"': %.1f MiB\n", $1 / 1048576 }'

make_tree() {
  # A tree left running by an earlier E2E_KEEP=1 run powers off first.
  pkill -f "systemd-nspawn -D $root " && sleep 5
  if [ ! -x "$work/base/usr/bin/docker-registry" ]; then
    rm -rf "$work/base"
    debootstrap --variant=minbase \
      --include=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,podman,passt,uidmap,netavark,aardvark-dns,nftables,crun,catatonit,iproute2,curl,ca-certificates,docker-registry \
      trixie "$work/base" "$(debian_mirror)" || return 1
  fi
  rm -rf "$root" && cp -a "$work/base" "$root" &&
    echo e2e >"$root/etc/hostname" &&
    mkdir -p "$root/etc/containers" &&
    printf '[containers]\nkeyring = false\npids_limit = 0\n' >"$root/etc/containers/containers.conf" &&
    # The registry the maintainer publishes to: Debian's docker-registry on
    # localhost:5000, without TLS and (unlike Debian's default) without
    # accounts: it never leaves the tree.
    cat >"$root/etc/docker/registry/config.yml" <<'EOF' &&
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
http:
  addr: :5000
EOF
    # debootstrap leaves no /etc/hosts; podman and the registry look
    # localhost up there.
    printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts" &&
    mkdir -p "$root/etc/containers/registries.conf.d" &&
    printf '[[registry]]\nlocation = "localhost:5000"\ninsecure = true\n' \
      >"$root/etc/containers/registries.conf.d/50-e2e.conf" &&
    # Ports 80 and 443 for an unprivileged account (docs/operations.md).
    mkdir -p "$root/etc/sysctl.d" &&
    echo 'net.ipv4.ip_unprivileged_port_start = 80' >"$root/etc/sysctl.d/50-erp.conf" &&
    chroot "$root" useradd --create-home --uid 1000 --shell /bin/bash erp &&
    mkdir -p "$root/var/lib/systemd/linger" && touch "$root/var/lib/systemd/linger/erp" &&
    cp "${CARGO_TARGET_DIR:-target}/release/appliance" "$root/usr/local/bin/appliance" &&
    for image in "localhost/erp-appliance:$tag" localhost/erp-appliance:next localhost/erp-appliance:broken \
      localhost/erp-appliance:broken-proxy \
      localhost/erp-postgres:15 localhost/erp-redis:7; do
      podman save --quiet --format oci-archive -o "$root/home/erp/$(echo "$image" | tr '/:' '__').tar" "$image" || return 1
    done &&
    cat >"$root/home/erp/appliance.toml" <<EOF &&
domain = "erp.e2e.internal"
acme_email = "ti@example.hn"
workers = 2
http_port = 80
https_port = 443
backups_keep = 5
[images]
appliance = "$published"
postgres = "localhost:5000/erp/postgres:15"
redis = "localhost:5000/erp/redis:7"
EOF
    chroot "$root" chown -R erp:erp /home/erp
}
step "a Debian 13 tree with podman 5 and the user erp (lingering)" make_tree

# The console is a pipe into boot.log: a passive one is a TTY nobody reads,
# and the tree's systemd blocked writing its shutdown messages to it.
boot() {
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn -D "$root" --register=no --keep-unit \
    --private-network --console=pipe -b </dev/null >"$work/boot.log" 2>&1 &
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
# The maintainer publishes the first release; the install pulls it by name.
publish() { as_erp podman push --quiet "localhost/erp-appliance:$1" "$published"; }
first_release() {
  within 30 inside curl -sf -o /dev/null http://localhost:5000/v2/ &&
    publish "$tag" && as_erp podman pull --quiet "$published" &&
    # The servers' stand-ins too, so that their auto-update labels have a
    # registry to ask (and find nothing newer).
    as_erp podman push --quiet localhost/erp-postgres:15 localhost:5000/erp/postgres:15 &&
    as_erp podman push --quiet localhost/erp-redis:7 localhost:5000/erp/redis:7 &&
    as_erp podman pull --quiet localhost:5000/erp/postgres:15 localhost:5000/erp/redis:7
}
step "publish the first release and the servers' images to the registry (localhost:5000) and pull them" first_release
step "appliance admin init (podman secrets)" as_erp appliance admin init
step "appliance quadlets install" as_erp sh -c 'cd && appliance quadlets install --settings appliance.toml'

https_200() { inside curl -skf --max-time 5 -o /dev/null "https://127.0.0.1/login"; }
t0=$(now)
step "systemctl --user start erp.target" as_erp systemctl --user start erp.target
step "the site answers 200 over HTTPS on 443" within 60 https_200
echo "     start erp.target → first HTTPS 200: $(since "$t0") s"

step "HTTP/2 over TLS" sh -c "nsenter -t $booted -a curl -sk --http2 -o /dev/null -w '%{http_version}' https://127.0.0.1/login | grep -qx 2"
# HTTP/3 with a QUIC client that is not ours (aioquic, from PyPI), run from
# the host in the tree's network namespace: the tree's curl has no HTTP/3.
h3_client() {
  local venv=$HOME/.cache/erp-tools/h3
  [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import aioquic' 2>/dev/null && return 0
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet 'aioquic==1.7.2'
}
http3() {
  h3_client && nsenter -t "$booted" -n "$HOME/.cache/erp-tools/h3/bin/python" scripts/h3get.py \
    127.0.0.1 443 erp.e2e.internal /login | tee /dev/stderr | grep -qx 'HTTP/3 200'
}
step "HTTP/3 on UDP 443" http3
step "port 80 redirects to HTTPS" sh -c "nsenter -t $booted -a curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/login | grep -qx 308"
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

# The first company and user: the admin's commands run in erp-release.
company="Motos del Valle"
user_email=admin@motosdelvalle.hn
user_password=clave-segura-2026
in_release() { as_erp podman exec -i erp-release appliance admin "$@"; }
first_user() {
  in_release create-company --name "$company" --legal-name "$company S. de R.L." --rtn 08019012345678 &&
    printf '%s' "$user_password" | in_release create-user --email "$user_email" --name "Ana Mejía" \
      --company "$company" --role company_admin
}
step "first company and user (podman exec -i erp-release appliance admin …)" first_user
signs_in() {
  local code
  code=$(inside curl -sk -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
    -d "{\"email\":\"$user_email\",\"password\":\"$user_password\"}" https://127.0.0.1/api/v1/session) &&
    echo "sign-in: $code" && [ "$code" = 200 ]
}
step "the user signs in over HTTPS" signs_in
sales() {
  nsenter -t "$booted" -n python3 scripts/e2e_sales.py https://127.0.0.1 "$user_email" "$user_password"
}
step "an invoice is posted (fiscal number drawn) and an export job runs in a worker" sales
companies() { as_erp podman exec erp-postgres psql -U erp -d erp -tAc 'SELECT count(*) FROM companies'; }
# companies_are N: the database holds N companies.
companies_are() { [ "$(companies)" = "$1" ]; }

started_at() { as_erp podman inspect --format '{{.State.StartedAt}}' "$1" 2>/dev/null; }
killed_and_back() {
  local before web_before
  before=$(started_at erp-api) && web_before=$(started_at erp-web) &&
    as_erp podman kill erp-api &&
    within 60 sh -c "[ \"\$(nsenter -t $booted -a runuser -u erp -- env XDG_RUNTIME_DIR=/run/user/1000 podman inspect --format '{{.State.StartedAt}}' erp-api 2>/dev/null)\" != '$before' ]" &&
    within 60 inside curl -skf -o /dev/null https://127.0.0.1/api/health &&
    # Only the killed role restarts; erp-release does not pull the others along.
    [ "$(started_at erp-web)" = "$web_before" ]
}
t0=$(now)
step "podman kill erp-api: systemd restarts it (and only it) and /api/health answers" killed_and_back
echo "     back after $(since "$t0") s"

# A request every 0.2 s while an update runs; each may wait up to 60 s.
probe_start() {
  inside sh -c 'while :; do curl -sk -o /dev/null --max-time 60 -w "%{http_code} %{time_total}\n" https://127.0.0.1/api/health; sleep 0.2; done # e2e-probe' \
    >"$work/probe.log" 2>&1 &
}
probe_stop() {
  pkill -f e2e-probe
  sleep 0.5
  # Lines of curl's -w only (the killed loop's shell may add its own).
  awk '/^[0-9][0-9][0-9] / { n++; if ($1 != "200") bad++; if ($2 > max) max = $2 }
       END { printf "     probe: %d requests, %d not 200, slowest %.2f s\n", n, bad, max; exit (bad > 0 || n == 0) }' "$work/probe.log"
}
appliance_units="erp-release erp-migrate erp-api erp-web erp-scheduler erp-worker@1 erp-worker@2 erp-proxy"
appliance_containers="erp-release erp-api erp-web erp-scheduler erp-worker-1 erp-worker-2 erp-proxy"
# all_on RELEASE: every appliance container runs that image, every unit is active.
all_on() {
  local want got c u
  want=$(as_erp podman image inspect --format '{{.Id}}' "localhost/erp-appliance:$1") || return 1
  for c in $appliance_containers; do
    got=$(as_erp podman inspect --format '{{.Image}}' "$c") || return 1
    echo "$c: $(as_erp podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}' "$got")"
    [ "$got" = "$want" ] || { echo "$c runs $got, not $1 ($want)"; return 1; }
  done
  for u in $appliance_units; do
    [ "$(as_erp systemctl --user is-active "$u.service")" = active ] || { echo "$u is not active"; return 1; }
  done
}
# auto_update EXPECTED: run podman auto-update; erp-release's line says EXPECTED.
auto_update() {
  local out
  out=$(timeout 600 nsenter -t "$booted" -a runuser -u erp -- env XDG_RUNTIME_DIR=/run/user/1000 \
    DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus HOME=/home/erp \
    podman auto-update --format '{{.Unit}} {{.Updated}}' 2>&1)
  echo "$out"
  grep -qx "erp-release.service $1" <<<"$out"
}
dry_run() {
  local out
  out=$(as_erp podman auto-update --dry-run --format '{{.Unit}} {{.Image}} {{.Updated}}') &&
    echo "$out" && grep -qx "erp-release.service $published pending" <<<"$out"
}

# rollout RELEASE EXPECTED WHAT: publish RELEASE, run podman auto-update with
# the probe on; erp-release's line must say EXPECTED, the site must answer
# every request meanwhile, and afterwards every role runs `next`.
rollout() {
  step "publish $3" publish "$1"
  [ "$1" = next ] && step "podman auto-update --dry-run lists the appliance's release as pending" dry_run
  probe_start
  t0=$(now)
  step "podman auto-update: $2" auto_update "$2"
  echo "     podman auto-update: $(since "$t0") s"
  step "the site answered every request meanwhile" probe_stop
  grep 'probe:' "$log" | tail -n 1
  step "every role runs the next release; every unit is active" all_on next
  step "the data is still there" companies_are 1
}
rollout next true "the next release"
rollout broken "rolled back" "a broken release (its binary cannot start)"
rollout broken-proxy "rolled back" "a release whose proxy alone cannot start"
backups() {
  local dir
  dir=$(as_erp podman volume inspect --format '{{.Mountpoint}}' erp-backups) &&
    inside ls -l "$dir" && [ "$(inside ls "$dir" | grep -c '^erp-.*\.dump$')" -ge 3 ]
}
step "a backup was taken at the start and before each update (backups volume)" backups

backup_file=""
take_backup() {
  local out
  out=$(as_erp appliance admin backup) && echo "$out" && backup_file=${out#backup taken: } &&
    [ -n "$backup_file" ]
}
step "appliance admin backup" take_backup
step "a second company after the backup" in_release create-company --name "Autos de Prueba" --legal-name "Autos de Prueba S.A."
step "the database holds 2 companies" companies_are 2
refused() {
  echo 'Ventas de noviembre' >"$root/home/erp/notas.txt"
  ! as_erp appliance admin restore /home/erp/notas.txt
}
step "appliance admin restore of a file that is not a backup is refused" refused
step "… and changed nothing" companies_are 2
t0=$(now)
step "appliance admin restore of the backup" as_erp appliance admin restore "$backup_file"
echo "     restore: $(since "$t0") s"
step "the database holds the 1 company of the backup" companies_are 1
step "the site answers and the user signs in after the restore" signs_in

status() { as_erp sh -c 'cd && appliance admin status --settings appliance.toml'; }
step "appliance admin status: every unit active and healthy, certificate, backup, queue" status
status | sed 's/^/     /'

reboot_tree() {
  kill "$nspawn" && wait "$nspawn"
  booted=""
  boot
}
t0=$(now)
step "reboot the machine (power off the tree, boot it again)" reboot_tree
step "the site answers 200 over HTTPS after the reboot" within 180 https_200
echo "     boot → first HTTPS 200: $(since "$t0") s"
step "the data survived the reboot" companies_are 1
step "every role runs the next release after the reboot" all_on next
echo "all steps passed"
