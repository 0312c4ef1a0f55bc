#!/usr/bin/env bash
# The install tests reach real web servers over SSH: Debian's openssh-server, nginx and apache2; the
# validation tests and the demo also need the hosting company's DNS server, Debian's bind9. The tests
# start them themselves, unprivileged-style, on loopback high ports. Installs them if missing.
set -euo pipefail

if [ -x /usr/sbin/sshd ] && [ -x /usr/sbin/nginx ] && [ -x /usr/sbin/apache2 ] && [ -x /usr/sbin/named ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "webservers: openssh-server, nginx, apache2 or bind9 is missing; install them (apt-get install openssh-server nginx apache2 bind9) or run as root." >&2
    exit 1
fi
command -v apt-get >/dev/null || { echo "webservers: no apt-get: install sshd, nginx, apache2 and bind9's named at /usr/sbin by hand." >&2; exit 1; }
echo "webservers: installing openssh-server, nginx, apache2 and bind9 (Debian packages) for the install and validation tests"
apt-get update -qq
# The tests start their own instances on 127.0.0.1; the packages' own services must not start.
# Docker images carry a policy-rc.d that says so; elsewhere one is put in place for this install only.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server nginx apache2 bind9 >/dev/null
