#!/usr/bin/env bash
# The RustSec advisory database for `cargo deny`, from the snapshot checked in beside this
# script. cargo-deny fetches the database with git from GitHub, which the machines of this
# project cannot reach (they reach only package registries), so the check reads a snapshot:
#
#   .ci/advisory-db.sh unpack DB_PATH     lays the snapshot out where cargo-deny looks for the
#                                         default database under DB_PATH (deny.toml's db-path)
#   .ci/advisory-db.sh refresh [SOURCE]   replaces the snapshot with the newest advisories of
#                                         SOURCE: a git URL or a local clone (default: the
#                                         upstream repository, where it can be reached)
#
# The snapshot keeps only what cargo-deny reads (crates/**.md) and the licence (CC0-1.0).
# cargo-deny takes the time of the last fetch from .git/FETCH_HEAD; `unpack` dates that file
# to the snapshot's commit, so deny.toml's maximum-db-staleness measures the snapshot's age.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
snapshot="$here/advisory-db/snapshot.tar.gz"
source_file="$here/advisory-db/SOURCE"
upstream="https://github.com/rustsec/advisory-db"
# cargo-deny's directory for the default database URL (its path name plus a hash of the URL).
db_dir_name="advisory-db-3157b0e258782691"

field() { sed -n "s/^$1 = //p" "$source_file"; }

case "${1:-}" in
unpack)
    db_path="${2:?usage: $0 unpack DB_PATH}"
    dir="$db_path/$db_dir_name"
    stamp="$dir/.git/snapshot-commit"
    commit="$(field commit)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$commit" ]; then
        rm -rf "$dir"
        mkdir -p "$dir/.git"
        tar -xzf "$snapshot" -C "$dir"
        echo "$commit" > "$stamp"
    fi
    touch -d "$(field date)" "$dir/.git/FETCH_HEAD"
    age_days=$(( ($(date +%s) - $(date -d "$(field date)" +%s)) / 86400 ))
    echo "advisory database: snapshot of $(field date) (commit ${commit:0:12}, $age_days days old);" \
        "refresh with .ci/advisory-db.sh refresh"
    ;;
refresh)
    from="${2:-$upstream}"
    # A local clone by URL, so that --depth applies.
    if [ -d "$from" ]; then from="file://$(cd "$from" && pwd)"; fi
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    git clone --quiet --depth 1 "$from" "$work/db"
    commit="$(git -C "$work/db" rev-parse HEAD)"
    date="$(git -C "$work/db" show -s --format=%cI HEAD)"
    # Byte-for-byte reproducible: sorted names, no owners, no times.
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
        -C "$work/db" -cf - crates LICENSE.txt | gzip -9n > "$snapshot.partial"
    mv "$snapshot.partial" "$snapshot"
    {
        echo "# The RustSec advisory database in snapshot.tar.gz (written by ../advisory-db.sh refresh)."
        echo "upstream = $upstream"
        echo "commit = $commit"
        echo "date = $date"
        echo "advisories = $(tar -tzf "$snapshot" | grep -c '\.md$')"
    } > "$source_file"
    echo "snapshot of $date (commit $commit): $(field advisories) advisories"
    ;;
*)
    echo "usage: $0 unpack DB_PATH | refresh [SOURCE]" >&2
    exit 2
    ;;
esac
