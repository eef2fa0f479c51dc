#!/usr/bin/env bash
# Benchmark of `shenbao run --once`: N application mails (~30 KB: a workbook and a PDF,
# examples/gen_mails.rs) filed into a fresh store, every answer written to a directory outbox.
# Reports messages/s (wall), CPU seconds and peak RSS.
#
# Usage: scripts/bench-intake.sh [N] [BATCH]   (defaults 2000 and the configured default)
#   By default the mails come from a local Maildir (no servers).
#   With MAIL_TEST_ROOT set (servers of scripts/mail-servers/start.sh, run as root) they come
#   over IMAPS from a fresh Dovecot account instead, and a plain IMAPS fetch of the same
#   mailbox (Python imaplib, UID FETCH 1:* BODY.PEEK[]) is timed beside it.
#   RUNS=k runs shenbao k times on the same mails (fresh store each time).
#   BINARIES="a b" runs each of these builds in turn in every round, on the same mails: on a
#   machine whose speed drifts by a third within minutes, only interleaved runs compare
#   builds (copy target/release/shenbao aside before each build). KEEP=1 keeps the
#   work folder (and the Dovecot account's mail). The issue-3 benchmark of 10,000 mails with
#   latency is scripts/bench-daemon.sh.
# On this machine's ext4 (no journal) creating files right after deleting thousands is slow
# (recently freed inodes are skipped for five minutes): leave a few minutes between two
# invocations, or keep (KEEP=1) and delete later; earlier runs' stores are kept until the end.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
BATCH=${2:-}
RUNS=${RUNS:-1}
REPO=$(pwd)
BINARIES=${BINARIES:-$REPO/target/release/shenbao}
WORK=$(mktemp -d /tmp/shenbao-intake.XXXXXX)
chmod 755 "$WORK"
box=
cleanup() {
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK $box"; else rm -rf "$WORK" ${box:+"${box%/Maildir}"}; fi
}
trap cleanup EXIT

cargo build --release --quiet --bin shenbao --example gen_mails
target/release/examples/gen_mails "$WORK/inbox" "$N"

# The 2020 call with a deadline ahead: the mails' delivery time is today.
sed 's/^deadline = "2020-08-31T23:59:59"/deadline = "2099-12-31T23:59:59"/' config/call-2020.toml > "$WORK/call.toml"
batch_line=
[ -n "$BATCH" ] && batch_line="batch_size = $BATCH"

if [ -n "${MAIL_TEST_ROOT:-}" ]; then
  # shellcheck disable=SC1091
  . "$MAIL_TEST_ROOT/servers.env"
  user=bench-$(date +%s%N)@example.test
  echo "$user:{PLAIN}secret::::::" >> "$MAIL_TEST_ROOT/etc/users"
  sleep 1.1   # Dovecot re-reads its passwd-file at most once a second
  doveadm -c "$MAIL_TEST_ROOT/etc/dovecot.conf" mailbox status -u "$user" messages INBOX > /dev/null
  box=$MAIL_TEST_ROOT/mail/example.test/${user%@example.test}/Maildir
  mv "$WORK/inbox/new/"* "$box/new/"
  chown -R mail:mail "$box"
  echo secret > "$WORK/password"
  mailbox="kind = \"imap\"
host = \"localhost\"
port = $IMAPS_PORT
tls = \"implicit\"
user = \"$user\"
password_file = \"password\"
ca_file = \"$MAIL_TEST_ROOT/tls/ca.pem\"
idle = false"
  source_name="imaps"
else
  mailbox="kind = \"maildir\"
path = \"inbox\""
  source_name="maildir"
fi

cat > "$WORK/bench.toml" <<EOF
call = "call.toml"
roster = "$REPO/config/roster.csv"
data_dir = "store"
receipt_prefix = "CZKX"

[mailbox]
$mailbox
$batch_line

[transport]
kind = "directory"
path = "outbox"
from = "czkxxhb@example.test"

[answers]
from_name = "常州市科协学会部"
organization = "常州市科学技术协会学会部"
phone = "0519-86619613"
templates = "$REPO/config/templates"
EOF

plain_fetch() { python3 scripts/imaps-floor.py "$IMAPS_PORT" "$MAIL_TEST_ROOT/tls/ca.pem" "$user"; }

for run in $(seq 1 "$RUNS"); do
  if [ "$source_name" = imaps ]; then
    read -r floor n_floor _ < <(plain_fetch)
    printf 'plain IMAPS fetch (python imaplib): %d mails in %.2f s (%.0f msg/s)\n' \
      "$n_floor" "$floor" "$(echo "$n_floor / $floor" | bc -l)"
  fi
  for bin in $BINARIES; do
    if [ "$source_name" = maildir ]; then
      mv "$WORK/inbox/cur/"* "$WORK/inbox/new/" 2>/dev/null || true
      rm -f "$WORK/inbox/shenbao-uids"
      cat "$WORK/inbox/new/"* > /dev/null   # the page cache warm: the figure is about shenbao
    fi
    # Stores of earlier runs are kept until the end: deleting thousands of files just before
    # a run slows the file creations of the next (ext4 skips recently freed inodes).
    kept=$(date +%s%N)
    [ -d "$WORK/store" ] && mv "$WORK/store" "$WORK/store.$kept" && mv "$WORK/outbox" "$WORK/outbox.$kept"
    sync
    ( cd "$WORK" && /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$bin" \
        --config bench.toml run --once > "$WORK/summary.txt" 2> "$WORK/run.log" ) \
      || { tail -n 20 "$WORK/run.log"; exit 1; }
    read -r secs user_s sys_s rss_kb < "$WORK/time"
    filed=$(awk '/messages filed/ {print $3; exit}' "$WORK/summary.txt")
    answers=$(find "$WORK/outbox" -name '*.eml' | wc -l)
    label=shenbao
    [ "$BINARIES" != "$REPO/target/release/shenbao" ] && label=$bin
    printf '%s run --once (%s, batch %s): %d filed, %d answers, %.2f s: %.0f msg/s; CPU %.2f s user + %.2f s sys; peak RSS %.0f MB\n' \
      "$label" "$source_name" "${BATCH:-default}" "$filed" "$answers" "$secs" "$(echo "$filed / $secs" | bc -l)" \
      "$user_s" "$sys_s" "$(echo "$rss_kb / 1024" | bc -l)"
    # The issue's measure: until every mail is filed and its answer queued (the last `filed`
    # log line), from the process start (its first log line); writing the answers comes after.
    read -r queued _ < <(python3 scripts/queued-after.py "$WORK/run.log")
    printf '  of which: all filed and answers queued after %.2f s: %.0f msg/s\n' "$queued" "$(echo "$filed / $queued" | bc -l)"
    [ "$filed" -eq "$N" ] && [ "$answers" -eq "$N" ] || { echo "not every mail was filed and answered"; cat "$WORK/summary.txt"; exit 1; }
  done
done
