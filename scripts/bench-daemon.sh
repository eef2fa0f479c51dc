#!/usr/bin/env bash
# Benchmark of `shenbao run` against the loopback Dovecot + Postfix (scripts/mail-servers/).
#
# 1. Throughput: N application mails (~30 KB: a workbook and a PDF, examples/gen_mails.rs) are
#    imported into a fresh IMAP account; `shenbao run --once` takes them in over IMAPS, files them
#    and writes every answer to a directory outbox. Reported: messages/s and peak RSS, beside the
#    floor: one plain IMAPS `UID FETCH 1:* (BODY.PEEK[])` of the same mails (Python imaplib).
# 2. Latency under IDLE: `shenbao run` waits in IDLE; NL mails are sent over SMTP, 100 ms apart;
#    arrival → answer handed to SMTP is the time from the SMTP accept of each mail to the daemon's
#    "answer sent" log line for it (p50, p99, max).
#
# Usage: scripts/bench-daemon.sh [N] [NL]   (defaults 10000 and 200; as root, with Dovecot and
# Postfix installed: scripts/install-test-deps.sh). Uses the servers of MAIL_TEST_ROOT when set,
# else starts its own (PORT_OFFSET, default 600). Targets: >= 2,500 msg/s and within 2x of the
# floor, peak RSS < 150 MB; latency p50 <= 1 s, p99 <= 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
NL=${2:-200}
REPO=$(pwd)
WORK=$(mktemp -d /tmp/shenbao-bench.XXXXXX)
chmod 755 "$WORK"
started_root=
daemon_pid=
DESK= IDLE_DESK=
cleanup() {
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null || true
  # The bench mailboxes hold ~300 MB: never leave them in servers that keep running.
  for user in $DESK $IDLE_DESK; do rm -rf "${ROOT:?}/mail/example.test/${user%@*}"; done
  [ -n "$started_root" ] && scripts/mail-servers/stop.sh "$started_root" || true
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

if [ -n "${MAIL_TEST_ROOT:-}" ]; then
  ROOT=$MAIL_TEST_ROOT
else
  ROOT=$(PORT_OFFSET=${PORT_OFFSET:-600} scripts/mail-servers/start.sh)
  started_root=$ROOT
fi
# shellcheck disable=SC1091
. "$ROOT/servers.env"
CONF=$ROOT/etc/dovecot.conf
echo "mail servers: $ROOT (IMAPS $IMAPS_PORT, SMTP $SMTP_PORT)"

cargo build --release --quiet --bin shenbao --example gen_mails
SHENBAO=$REPO/target/release/shenbao

tag=$(date +%s)
DESK=bench-$tag@example.test
IDLE_DESK=idle-$tag@example.test
for user in "$DESK" "$IDLE_DESK"; do
  echo "$user:{PLAIN}secret::::::" >> "$ROOT/etc/users"
  echo "$user OK" >> "$ROOT/postfix/etc/vmailbox"
done
postfix -c "$ROOT/postfix/etc" reload 2>/dev/null
sleep 1.1   # Dovecot re-reads its passwd-file at most once a second
for user in "$DESK" "$IDLE_DESK"; do
  doveadm -c "$CONF" mailbox status -u "$user" messages INBOX > /dev/null   # makes the Maildir
done

# ---- settings: the 2020 call with a deadline ahead (INTERNALDATE is today), the shipped roster ----
sed 's/^deadline = "2020-08-31T23:59:59"/deadline = "2099-12-31T23:59:59"/' config/call-2020.toml > "$WORK/call.toml"
echo secret > "$WORK/password"
settings() {  # settings ACCOUNT IDLE TRANSPORT-LINES  (batches: the shipped default)
  cat <<EOF
call = "call.toml"
roster = "$REPO/config/roster.csv"
data_dir = "store-$1"
receipt_prefix = "CZKX"

[mailbox]
kind = "imap"
host = "localhost"
port = $IMAPS_PORT
tls = "implicit"
user = "$1"
password_file = "password"
ca_file = "$ROOT/tls/ca.pem"
idle = $2

[transport]
$3

[answers]
from_name = "常州市科协学会部"
organization = "常州市科学技术协会学会部"
phone = "0519-86619613"
templates = "$REPO/config/templates"
EOF
}
settings "$DESK" false "kind = \"directory\"
path = \"outbox\"
from = \"$DESK\"" > "$WORK/bench.toml"
settings "$IDLE_DESK" true "kind = \"smtp\"
host = \"127.0.0.1\"
port = $SMTP_PORT
tls = \"none\"
from = \"$IDLE_DESK\"" > "$WORK/idle.toml"

# ---- 1. throughput -------------------------------------------------------------------------------
t0=$(date +%s.%N)
target/release/examples/gen_mails "$WORK/src" "$N"
t1=$(date +%s.%N)
chown -R mail:mail "$WORK/src"
doveadm -c "$CONF" import -u "$DESK" "maildir:$WORK/src:INDEX=MEMORY" "" mailbox INBOX
t2=$(date +%s.%N)
size=$(du -sm "$WORK/src/new" | cut -f1)
printf 'generated %d mails (%d MB) in %.1f s; doveadm import took %.1f s\n' "$N" "$size" \
  "$(echo "$t1 - $t0" | bc -l)" "$(echo "$t2 - $t1" | bc -l)"
rm -rf "$WORK/src"
sync   # else the first fsyncs of the store wait for the import's 300 MB of dirty pages

floor() { python3 scripts/imaps-floor.py "$IMAPS_PORT" "$ROOT/tls/ca.pem" "$DESK"; }
read -r floor_cold n_cold bytes_cold < <(floor)
read -r floor_warm n_warm _ < <(floor)
printf 'floor, IMAPS UID FETCH 1:* (BODY.PEEK[]), python imaplib: first %.2f s (%d mails, %d MB), again %.2f s (%.0f msg/s)\n' \
  "$floor_cold" "$n_cold" "$((bytes_cold / 1000000))" "$floor_warm" "$(echo "$n_warm / $floor_warm" | bc -l)"

( cd "$WORK" && /usr/bin/time -f '%e %M' -o "$WORK/time" "$SHENBAO" --config bench.toml run --once \
    > "$WORK/summary.txt" 2> "$WORK/run.log" ) || { tail -n 20 "$WORK/run.log"; exit 1; }
read -r secs rss_kb < "$WORK/time"
filed=$(awk '/messages filed/ {print $3; exit}' "$WORK/summary.txt")
answers=$(find "$WORK/outbox" -name '*.eml' | wc -l)
printf 'shenbao run --once: %d filed, %d answers in the outbox, %.2f s: %.0f msg/s (%.1fx the warm floor), peak RSS %.0f MB\n' \
  "$filed" "$answers" "$secs" "$(echo "$filed / $secs" | bc -l)" "$(echo "$secs / $floor_warm" | bc -l)" \
  "$(echo "$rss_kb / 1024" | bc -l)"
# When the last message was filed (its answer queued with it), from the first log line.
read -r queued written_out < <(python3 scripts/queued-after.py "$WORK/run.log")
printf '  of which taking in, filing and queueing all answers: %.2f s (%.0f msg/s); writing the answers out: %.2f s\n' \
  "$queued" "$(echo "$N / $queued" | bc -l)" "$written_out"
[ "$filed" -eq "$N" ] && [ "$answers" -eq "$N" ] || { echo "not every mail was filed and answered"; cat "$WORK/summary.txt"; exit 1; }

# ---- 2. latency under IDLE -----------------------------------------------------------------------
target/release/examples/gen_mails "$WORK/lat" "$NL" lat.example.org
( cd "$WORK" && exec "$SHENBAO" --config idle.toml run --log-format json 2> "$WORK/idle.log" > /dev/null ) &
daemon_pid=$!
for _ in $(seq 1 100); do grep -q '"IMAP session ready"' "$WORK/idle.log" 2>/dev/null && break; sleep 0.1; done
sleep 1
python3 - "$SMTP_PORT" "$IDLE_DESK" "$WORK/lat/new" "$WORK/idle.log" "$NL" <<'EOF'
import json, os, smtplib, sys, time
from datetime import datetime
port, desk, folder, log, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
sent = {}
smtp = smtplib.SMTP("127.0.0.1", port)
for name in sorted(os.listdir(folder), key=lambda f: int(f.split(".M")[1].split("P")[0])):
    raw = open(os.path.join(folder, name), "rb").read()
    sender = raw.split(b"<", 1)[1].split(b">", 1)[0].decode()   # From: "…" <applicantN@lat.example.org>
    smtp.sendmail(sender, [desk], raw)
    sent[sender.lower()] = time.time()
    time.sleep(0.1)
smtp.quit()
deadline = time.time() + 120
answered = {}
while time.time() < deadline and len(answered) < n:
    time.sleep(0.5)
    answered = {}
    for line in open(log, encoding="utf-8"):
        if '"answer sent"' in line:
            entry = json.loads(line)
            to = entry["fields"]["to"]
            answered[to] = datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")).timestamp()
latencies = sorted(answered[to] - sent[to] for to in sent if to in answered)
if len(latencies) < n:
    print(f"only {len(latencies)} of {n} mails answered within 120 s"); sys.exit(1)
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"arrival (SMTP accept) → answer handed to SMTP, IDLE, {n} mails 100 ms apart: "
      f"p50 {pick(0.50):.3f} s, p99 {pick(0.99):.3f} s, max {latencies[-1]:.3f} s, min {latencies[0]:.3f} s")
EOF
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=
