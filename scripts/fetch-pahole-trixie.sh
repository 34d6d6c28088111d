#!/usr/bin/env bash
# fetch-pahole-trixie.sh — pahole 1.30 (Debian trixie) as an oracle for the encoder's default
# feature set, runnable on this Debian 12 machine without installing anything system-wide.
#
#   scripts/fetch-pahole-trixie.sh [DEST]     (DEST defaults to ~/.cache/btf-corpus/pahole-1.30)
#
# pahole 1.30 needs trixie's glibc (>= 2.38), libbpf 1.5 and elfutils 0.192, newer than
# bookworm's. So the trixie .debs of pahole and of every library it loads are downloaded from
# deb.debian.org, checked (InRelease signature against the archive keyring that apt uses, then
# Packages.xz's SHA256 from InRelease, then each .deb's SHA256 from Packages), unpacked under
# DEST/root, and DEST/pahole runs the binary through that root's own dynamic loader with
# --library-path, so no library of the host is mixed in. Idempotent: DEST/.done says it is
# complete (and DEST/pahole --version is checked again each run).
#
# Needs: curl, gpgv, xz, sha256sum, dpkg-deb (apt itself depends on gpgv and the keyring).
set -euo pipefail
DEST=${1:-$HOME/.cache/btf-corpus/pahole-1.30}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
WANT_VERSION=1.30
# pahole and what `ldd` lists for it (libdw pulls bzip2, xz, zstd; glibc may load libgcc_s).
PACKAGES=(pahole libbpf1 libdw1t64 libelf1t64 libc6 libgcc-s1 zlib1g libzstd1 liblzma5 libbz2-1.0)

check() {
  [ -x "$DEST/pahole" ] && [ "$("$DEST/pahole" --version 2> /dev/null)" = "v$WANT_VERSION" ]
}

if [ -f "$DEST/.done" ] && check; then
  echo "pahole $WANT_VERSION: already in $DEST"
  exit 0
fi

rm -rf "$DEST" && mkdir -p "$DEST/debs" "$DEST/root"
work="$DEST/debs"

echo "pahole $WANT_VERSION: Debian $SUITE index"
curl -fsS --retry 3 -o "$work/InRelease" "$MIRROR/dists/$SUITE/InRelease"
gpgv --keyring "$KEYRING" "$work/InRelease" 2> "$work/gpgv.log" || {
  cat "$work/gpgv.log" >&2
  echo "fetch-pahole-trixie: $MIRROR/dists/$SUITE/InRelease: bad signature" >&2
  exit 1
}
# The SHA256 block of InRelease lists " <sha256> <size> <path>".
packages_sha=$(awk '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == "main/binary-amd64/Packages.xz" { print $1 }' "$work/InRelease")
[ -n "$packages_sha" ] || { echo "fetch-pahole-trixie: InRelease lists no main/binary-amd64/Packages.xz" >&2; exit 1; }
curl -fsS --retry 3 -o "$work/Packages.xz" "$MIRROR/dists/$SUITE/main/binary-amd64/Packages.xz"
echo "$packages_sha  $work/Packages.xz" | sha256sum -c --quiet - || { echo "fetch-pahole-trixie: Packages.xz does not match InRelease" >&2; exit 1; }
xz -dc "$work/Packages.xz" > "$work/Packages"

for p in "${PACKAGES[@]}"; do
  # "Filename SHA256 Version" of the stanza for package $p.
  read -r file sha version < <(awk -v p="$p" '
    $0 == "Package: " p { f = 1; next }
    f && /^Filename: / { file = $2 }
    f && /^SHA256: / { sha = $2 }
    f && /^Version: / { ver = $2 }
    f && /^$/ { print file, sha, ver; exit }' "$work/Packages")
  [ -n "${file:-}" ] && [ -n "${sha:-}" ] || { echo "fetch-pahole-trixie: $p is not in $SUITE's Packages" >&2; exit 1; }
  if [ "$p" = pahole ] && [[ "$version" != "$WANT_VERSION"-* ]]; then
    echo "fetch-pahole-trixie: $SUITE has pahole $version, not $WANT_VERSION (the encoder's conformance tests expect $WANT_VERSION)" >&2
    exit 1
  fi
  deb="$work/$(basename "$file")"
  curl -fsS --retry 3 -o "$deb" "$MIRROR/$file"
  echo "$sha  $deb" | sha256sum -c --quiet - || { echo "fetch-pahole-trixie: $deb does not match Packages' SHA256" >&2; exit 1; }
  dpkg-deb -x "$deb" "$DEST/root"
  echo "  $p $version"
done

root="$DEST/root"
loader=
for l in "$root"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root"/usr/lib64/ld-linux-x86-64.so.2 "$root"/lib64/ld-linux-x86-64.so.2; do
  if [ -f "$l" ]; then loader=$l && break; fi
done
[ -n "$loader" ] || { echo "fetch-pahole-trixie: no ld-linux-x86-64.so.2 in the unpacked libc6" >&2; exit 1; }
cat > "$DEST/pahole" << EOF
#!/bin/sh
# pahole $WANT_VERSION from Debian $SUITE, run by its own glibc's loader (scripts/fetch-pahole-trixie.sh).
exec "$loader" --library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" --argv0 pahole "$root/usr/bin/pahole" "\$@"
EOF
chmod +x "$DEST/pahole"
check || { echo "fetch-pahole-trixie: $DEST/pahole --version does not print v$WANT_VERSION" >&2; "$DEST/pahole" --version >&2 || true; exit 1; }
rm -rf "$work"
touch "$DEST/.done"
echo "pahole $WANT_VERSION: $DEST/pahole"
