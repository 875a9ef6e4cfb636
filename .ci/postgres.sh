#!/usr/bin/env bash
# Install (Debian package) and start a throw-away PostgreSQL server for the gradebook tests;
# prints the SQLAlchemy URL on its last line. Idempotent.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /usr/lib/postgresql ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
pg_lsclusters -h | grep -q "^$version main" || pg_createcluster "$version" main >/dev/null
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='nnbio'\"" | grep -q 1 || \
  su postgres -c "psql -qc \"create role nnbio login superuser password 'nnbio'\""
su postgres -c "psql -qtAc \"select 1 from pg_database where datname='nnbio_test'\"" | grep -q 1 || \
  su postgres -c "createdb -O nnbio nnbio_test"
echo "postgresql+psycopg2://nnbio:nnbio@127.0.0.1:5432/nnbio_test"
