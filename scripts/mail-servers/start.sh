#!/usr/bin/env bash
# Real mail servers on loopback for shenbao's integration tests (Debian 12, run as root; no systemd, no docker).
#
#   Dovecot 2.3  IMAP 127.0.0.1:1143 (plain + STARTTLS), IMAPS :1993, LMTP unix $ROOT/run/lmtp + 127.0.0.1:2424,
#                SASL for Postfix on unix $ROOT/run/auth-postfix; logs every client's ID (imap_id_log = *)
#   Postfix 3.7  SMTP 127.0.0.1:2525 (STARTTLS offered, no AUTH needed from loopback),
#                submission :2587 (STARTTLS + AUTH required), smtps :2465 (implicit TLS + AUTH required);
#                delivers example.test into Dovecot over LMTP; mail to any other domain lands in sink@example.test
#
# Users apply@, staff@, society1@, sink@example.test, password `secret` (USERS / PASSWORD override).
# TLS: a CA made on the fly ($ROOT/tls/ca.pem) signs the server certificate (SAN localhost, 127.0.0.1);
# clients trust ca.pem. $ROOT/tls/other-ca.pem is an unrelated CA, for tests that a wrong CA is refused.
#
# Usage:  ROOT=$(scripts/mail-servers/start.sh [ROOT])   ...   scripts/mail-servers/stop.sh "$ROOT"
# ROOT defaults to a fresh `mktemp -d /tmp/sbm.XXXXXX`. Keep it short: Dovecot's longest unix socket is
# ROOT + 29 bytes and the limit is 108. Prints ROOT on stdout once every port accepts; on failure it stops
# what it started and exits non-zero (logs stay in $ROOT/log). $ROOT/servers.env lists the ports as
# KEY=VALUE lines for the tests. Ports are overridable by env: IMAP_PORT, IMAPS_PORT, LMTP_PORT,
# SMTP_PORT, SUBM_PORT, SMTPS_PORT, or all at once by PORT_OFFSET (two instances can run at once).
# Exit status 3: a port is already in use (nothing was started).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PORT_OFFSET=${PORT_OFFSET:-0}         # added to every default port: a second instance uses e.g. 100
IMAP_PORT=${IMAP_PORT:-$((1143 + PORT_OFFSET))}; IMAPS_PORT=${IMAPS_PORT:-$((1993 + PORT_OFFSET))}
LMTP_PORT=${LMTP_PORT:-$((2424 + PORT_OFFSET))}; SMTP_PORT=${SMTP_PORT:-$((2525 + PORT_OFFSET))}
SUBM_PORT=${SUBM_PORT:-$((2587 + PORT_OFFSET))}; SMTPS_PORT=${SMTPS_PORT:-$((2465 + PORT_OFFSET))}
MAIL_USER=${MAIL_USER:-mail}          # Debian's `mail` user (uid 8, gid 8) owns every mailbox
MAIL_UID=$(id -u "$MAIL_USER"); MAIL_GID=$(id -g "$MAIL_USER")
USERS=${USERS:-"apply@example.test staff@example.test society1@example.test sink@example.test"}
PASSWORD=${PASSWORD:-secret}

if [ "$(id -u)" -ne 0 ]; then echo "start.sh: must run as root (Dovecot and Postfix drop privileges themselves)" >&2; exit 1; fi
for binary in /usr/sbin/dovecot /usr/sbin/postfix openssl; do
  command -v "$binary" >/dev/null || { echo "start.sh: $binary missing; run scripts/install-test-deps.sh" >&2; exit 1; }
done
# A port already open would make the readiness check below pass against someone else's server.
for port in "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT" "$SMTP_PORT" "$SUBM_PORT" "$SMTPS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "start.sh: port $port is already in use (another instance? try PORT_OFFSET=100)" >&2
    exit 3
  fi
done
ROOT=${1:-$(mktemp -d /tmp/sbm.XXXXXX)}
if [ ${#ROOT} -gt 70 ]; then echo "start.sh: ROOT '$ROOT' is too long for Dovecot's unix sockets (max 70 bytes)" >&2; exit 1; fi

mkdir -p "$ROOT"/{etc,tls,run,state,log,mail}
touch "$ROOT/.shenbao-mail-root"      # stop.sh removes only directories carrying this mark
chmod 755 "$ROOT"                     # mktemp -d makes 0700: dovecot/postfix unprivileged processes must traverse it
chown "$MAIL_USER:$MAIL_USER" "$ROOT/mail"
trap 'echo "start.sh failed; stopping what was started (logs in $ROOT/log)" >&2; "$HERE/stop.sh" --keep "$ROOT"' ERR

# ---- TLS: a test CA and a server certificate it signs -------------------------------------------
# P-256 keys: generated in milliseconds (RSA 2048 takes ~0.1 s each) and accepted by rustls, Dovecot and Postfix.
# rustls/webpki is strict: the CA needs basicConstraints CA:TRUE and the leaf a SAN matching the name dialled.
make_ca() {  # make_ca NAME SUBJECT
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$ROOT/tls/$1.key" -out "$ROOT/tls/$1.pem" 2>>"$ROOT/log/openssl.log"
}
make_ca ca "/CN=shenbao test CA"
make_ca other-ca "/CN=unrelated test CA"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$ROOT/tls/key.pem" -out "$ROOT/tls/server.csr" 2>>"$ROOT/log/openssl.log"
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" > "$ROOT/tls/server.ext"
openssl x509 -req -in "$ROOT/tls/server.csr" -CA "$ROOT/tls/ca.pem" -CAkey "$ROOT/tls/ca.key" -CAcreateserial \
  -days 7 -extfile "$ROOT/tls/server.ext" -out "$ROOT/tls/cert.pem" 2>>"$ROOT/log/openssl.log"
chmod 600 "$ROOT/tls/key.pem" "$ROOT/tls/ca.key" "$ROOT/tls/other-ca.key"

# ---- users: passwd-file  user:{SCHEME}password:uid:gid:gecos:home:shell:extra --------------------
: > "$ROOT/etc/users"
for u in $USERS; do echo "$u:{PLAIN}$PASSWORD::::::" >> "$ROOT/etc/users"; done

# ---- dovecot.conf: /etc/dovecot, /run/dovecot and /var/lib/dovecot are never used ----------------
cat > "$ROOT/etc/dovecot.conf" <<EOF
instance_name = sbm-$(basename "$ROOT")
base_dir = $ROOT/run
state_dir = $ROOT/state
log_path = $ROOT/log/dovecot.log

protocols = imap lmtp
listen = 127.0.0.1

ssl = yes
ssl_cert = <$ROOT/tls/cert.pem
ssl_key = <$ROOT/tls/key.pem
ssl_min_protocol = TLSv1.2

# plain LOGIN on :$IMAP_PORT without STARTTLS (tests of the plain path); failures answered at once
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_cache_size = 0
auth_failure_delay = 0

# the default first_valid_uid = 500 would refuse the mail user (uid $MAIL_UID)
first_valid_uid = $MAIL_UID
last_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID

mail_location = maildir:~/Maildir
mail_fsync = never

# tests check that the client sent ID (RFC 2971) after login: Dovecot logs "ID sent: ..."
imap_id_log = *

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $ROOT/etc/users
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $ROOT/etc/users
  default_fields = uid=$MAIL_UID gid=$MAIL_GID home=$ROOT/mail/%Ld/%Ln
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
  }
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  # Postfix's lmtp client runs as postfix
  unix_listener lmtp {
    mode = 0666
  }
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  # SASL backend for Postfix (smtpd_sasl_type = dovecot)
  unix_listener auth-postfix {
    mode = 0666
  }
}
# No auth penalty: after one failed login (a negative test) anvil would delay every login from
# 127.0.0.1 by 2-15 s, the other tests' included (seen: a 4 s STARTTLS test next to a wrong-password one).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
protocol lmtp {
  postmaster_address = postmaster@example.test
}
EOF

# ---- Postfix ------------------------------------------------------------------------------------
PF=$ROOT/postfix
mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
chown postfix "$PF/data"                              # postfix-script warns otherwise
printf '%s OK\n' $USERS > "$PF/etc/vmailbox"          # recipients accepted at RCPT TO
printf '%s\n' '!/@example\.test$/ sink@example.test' > "$PF/etc/catchall.regexp"
# main.cf allows comments only on lines of their own: `key = value # note` puts `# note` into the value.
cat > "$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
maillog_file_prefixes = $ROOT/log
maillog_file = $ROOT/log/postfix.log
mail_owner = postfix
setgid_group = postdrop

myhostname = localhost
mydomain = example.test
myorigin = example.test
mydestination =
local_transport = error:no local delivery
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
smtputf8_enable = no
message_size_limit = 52428800

virtual_mailbox_domains = example.test
virtual_mailbox_maps = texthash:$PF/etc/vmailbox
virtual_transport = lmtp:unix:$ROOT/run/lmtp
# mail for any other domain lands in sink@example.test instead of leaving the machine
virtual_alias_maps = regexp:$PF/etc/catchall.regexp
# the default (\$virtual_alias_maps) would make example.test an alias-only domain
virtual_alias_domains =

smtpd_tls_cert_file = $ROOT/tls/cert.pem
smtpd_tls_key_file = $ROOT/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $ROOT/run/auth-postfix
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination

# fast turnaround for tests
in_flow_delay = 0
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 30s
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
EOF
# The chroot column (5th) must be n everywhere: a chrooted daemon would not see $ROOT/run.
cat > "$PF/etc/master.cf" <<EOF
127.0.0.1:$SMTP_PORT  inet n - n - - smtpd
127.0.0.1:$SUBM_PORT  inet n - n - - smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup     unix n - n 60   1 pickup
cleanup    unix n - n -    0 cleanup
qmgr       unix n - n 300  1 qmgr
tlsmgr     unix - - n 1000? 1 tlsmgr
rewrite    unix - - n -    - trivial-rewrite
bounce     unix - - n -    0 bounce
defer      unix - - n -    0 bounce
trace      unix - - n -    0 bounce
verify     unix - - n -    1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n -    - proxymap
proxywrite unix - - n -    1 proxymap
smtp       unix - - n -    - smtp
relay      unix - - n -    - smtp
showq      unix n - n -    - showq
error      unix - - n -    - error
retry      unix - - n -    - error
discard    unix - - n -    - discard
lmtp       unix - - n -    - lmtp
anvil      unix - - n -    1 anvil
scache     unix - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
# The postfix binary stalls ~2 s while main.cf/master.cf have an mtime in the current second: backdate them.
touch -d '-1 minute' "$PF/etc/main.cf" "$PF/etc/master.cf" "$PF/etc/vmailbox" "$PF/etc/catchall.regexp"

cat > "$ROOT/servers.env" <<EOF
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
LMTP_PORT=$LMTP_PORT
SMTP_PORT=$SMTP_PORT
SUBM_PORT=$SUBM_PORT
SMTPS_PORT=$SMTPS_PORT
PASSWORD=$PASSWORD
EOF

# ---- start: both stay in the foreground of a background job -------------------------------------
# Start-up errors go to stderr, not to log_path (the log process is not running yet): keep the stderr files.
/usr/sbin/dovecot -F -c "$ROOT/etc/dovecot.conf" >> "$ROOT/log/dovecot.stderr" 2>&1 &
echo $! > "$ROOT/dovecot.pid"
/usr/sbin/postfix -c "$PF/etc" start-fg >> "$ROOT/log/postfix.stderr" 2>&1 &
echo $! > "$ROOT/smtp.pid"   # postfix-script for now; replaced below by master's own PID

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$(cat "$ROOT/dovecot.pid")" 2>/dev/null \
      || { echo "dovecot exited: $(tail -n 3 "$ROOT/log/dovecot.stderr")" >&2; return 1; }
    kill -0 "$(cat "$ROOT/smtp.pid")" 2>/dev/null \
      || { echo "postfix exited (reason: script -qc 'postfix -c $PF/etc check' /dev/null): $(tail -n 3 "$ROOT/log/postfix.stderr")" >&2; return 1; }
    sleep 0.05
  done
  echo "port $1 did not open within 10 s" >&2
  return 1
}
for port in "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT" "$SMTP_PORT" "$SUBM_PORT" "$SMTPS_PORT"; do wait_port "$port"; done
# Someone may have taken a port between the check above and our bind: then our daemon died.
kill -0 "$(cat "$ROOT/dovecot.pid")" && kill -0 "$(cat "$ROOT/smtp.pid")"
# `postfix start-fg` runs /bin/sh postfix-script, which runs master as its child: killing the shell would
# leave Postfix running, so record master's PID (SIGTERM to master stops every Postfix process).
tr -d ' \n' < "$PF/spool/pid/master.pid" > "$ROOT/smtp.pid"
echo "$ROOT"
