#!/usr/bin/env bash
# Online backup of Monolith's /data volume, safe while the server keeps serving.
#
#   sudo deploy/vps/backup.sh [DEST]          # default DEST=/var/backups/monolith
#
# 1. SQLite's online backup API (`sqlite3 .backup`) copies a consistent snapshot of
#    monolith.sqlite. The store runs in WAL mode: committed transactions may still sit in
#    monolith.sqlite-wal, so copying the .sqlite file alone with cp/tar can lose them or
#    tear a page — .backup reads through the WAL and is the safe way while it runs.
# 2. Then the content-addressed artifacts. A version row is committed only after its
#    artifact is durable, so every version in the snapshot finds its file in this copy.
#    Artifacts never change once written; hard links to the previous backup keep each
#    snapshot complete at the cost of the new files only.
#
# Needs: sqlite3 on the host (apt-get install sqlite3), root (the volume lives under
# /var/lib/docker). Environment: MONOLITH_VOLUME (default monolith_monolith-data, i.e.
# project "monolith", volume "monolith-data"), KEEP_DAYS (default 14).
set -euo pipefail
DEST=${1:-/var/backups/monolith}
VOLUME=${MONOLITH_VOLUME:-monolith_monolith-data}
KEEP_DAYS=${KEEP_DAYS:-14}

src=$(docker volume inspect --format '{{ .Mountpoint }}' "$VOLUME")
[ -f "$src/monolith.sqlite" ] || { echo "backup: no monolith.sqlite in volume $VOLUME ($src)" >&2; exit 1; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$DEST/$stamp"
mkdir -p "$out"

sqlite3 "$src/monolith.sqlite" ".timeout 10000" ".backup '$out/monolith.sqlite'"
check=$(sqlite3 "$out/monolith.sqlite" "PRAGMA integrity_check;")
[ "$check" = ok ] || { echo "backup: integrity_check of the copy failed: $check" >&2; exit 1; }

if [ -d "$src/artifacts" ]; then
  previous=$(find "$DEST" -mindepth 1 -maxdepth 1 -type d ! -name "$stamp" | sort | tail -n 1)
  if [ -n "$previous" ] && [ -d "$previous/artifacts" ]; then
    cp -a --link "$previous/artifacts" "$out/" 2>/dev/null || true
  fi
  cp -a --no-clobber "$src/artifacts" "$out/"
fi

# Retention: drop snapshots older than KEEP_DAYS (hard-linked artifacts stay while used).
find "$DEST" -mindepth 1 -maxdepth 1 -type d -mtime +"$KEEP_DAYS" -exec rm -rf {} +
echo "backup: $out ($(du -sh "$out" | cut -f1))"
