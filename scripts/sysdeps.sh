#!/usr/bin/env bash
# System packages the suite needs: Chromium for tests/e2e, the CJK font and HarfBuzz subsetting for PDFs,
# nginx and systemd-analyze for the reference deployment's tests (tests/operations).
# Installs them when it can (root on Debian); otherwise says exactly what to install and fails.
set -euo pipefail

missing=()
# Read each listing whole before matching: `grep -q` closing a pipe early fails the pipeline.
fonts=$(fc-list 2>/dev/null || true)
libs=$(ldconfig -p 2>/dev/null || true)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v fc-list >/dev/null || missing+=(fontconfig)
grep -qi "Noto Serif CJK" <<<"$fonts" || missing+=(fonts-noto-cjk)
grep -q "libharfbuzz-subset" <<<"$libs" || missing+=(libharfbuzz-subset0)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v systemd-analyze >/dev/null || missing+=(systemd)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Installing nginx must not start a web server on port 80 of a test machine: policy-rc.d tells the
    # package scripts not to start services (unless the machine already has its own policy).
    guard=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
    exit 0
fi
echo "Missing system packages: ${missing[*]}" >&2
echo "Install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
exit 1
