#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers for the current user.
# Uses the one the usual PG* variables point at if it answers; otherwise starts the machine's Debian
# cluster (PostgreSQL refuses to run as root: pg_ctlcluster runs it as its owner, postgres) and
# creates a superuser role named after the current user, so Odoo connects over the local socket.
set -euo pipefail

die() { echo "postgres: $*" >&2; exit 1; }
answers() { psql -d postgres -XAtqc 'select 1' >/dev/null 2>&1; }

if answers; then exit 0; fi

if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}" ]; then
    die "no PostgreSQL answers at the server the PG* variables name (PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} PGUSER=${PGUSER:-}). Fix them or unset them to use the local cluster."
fi
command -v pg_lsclusters >/dev/null || die "no PostgreSQL found: install it (apt-get install postgresql) or set PGHOST/PGPORT/PGUSER/PGPASSWORD."

cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
[ -n "$cluster" ] || die "the postgresql package is installed but has no cluster: run 'pg_createcluster 15 main'."
read -r version name <<<"$cluster"
if ! pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1==v && $2==n {print $4}' | grep -q online; then
    echo "postgres: starting cluster $version/$name"
    # Durability settings off: this cluster holds throw-away demo and test databases, and
    # copying template databases is several times faster without fsync.
    pg_ctlcluster "$version" "$name" start -- -o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        || die "could not start cluster $version/$name; see /var/log/postgresql/postgresql-$version-$name.log"
fi
role=$(id -un)
if [ "$role" != postgres ]; then
    exists=$(runuser -u postgres -- psql -XAtqc "select 1 from pg_roles where rolname = '$role'" 2>/dev/null || true)
    if [ "$exists" != 1 ]; then
        runuser -u postgres -- createuser --superuser "$role" || die "could not create the role $role"
    fi
fi
for _ in $(seq 50); do answers && exit 0; sleep 0.2; done
die "cluster $version/$name started but does not answer for role $role"
