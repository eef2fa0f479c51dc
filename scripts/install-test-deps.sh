#!/usr/bin/env bash
# Installs what the integration tests need beyond Rust: Dovecot (IMAP + LMTP) and Postfix (SMTP),
# started on loopback by scripts/mail-servers/start.sh. Debian 12, run as root.
#
# Idempotent: when every package is already installed it does nothing (no `apt-get update`),
# so .ci/run and scripts/test.sh can call it on every run for free.
#
# Installing starts no service on this image (policy-rc.d denies it), and nothing listens on 25/143/993
# afterwards: the tests run private instances from config files under a temp dir.
set -euo pipefail

PACKAGES=(dovecot-imapd dovecot-lmtpd postfix)

missing=()
for package in "${PACKAGES[@]}"; do
  # `dpkg-query -W` succeeds for removed-but-configured packages too: check the status word.
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: already installed: ${PACKAGES[*]}" >&2
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: missing ${missing[*]}; run this script as root (it calls apt-get)" >&2
  exit 1
fi

# postfix asks debconf questions (mail name, site type) unless told not to.
export DEBIAN_FRONTEND=noninteractive
echo "install-test-deps: installing ${missing[*]}" >&2
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
