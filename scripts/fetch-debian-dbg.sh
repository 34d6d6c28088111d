#!/usr/bin/env bash
# fetch-debian-dbg.sh — DWARF for the encoder's conformance suite: Debian's -dbg kernel package.
#
#   scripts/fetch-debian-dbg.sh [DEST]      (DEST defaults to ~/.cache/btf-corpus)
#
# Lays out DEST/<build>-dbg/vmlinux (ELF with DWARF 5, 631 MB) and DEST/<build>-dbg/modules/*.ko
# (4,022 relocatable modules with DWARF). The BTF Debian shipped for the same build is fetched by
# ../shared/corpus/fetch-debian-kernels.sh into DEST/<build>. Idempotent: a .done marker says the
# build is complete. About 855 MB download, 5.4 GB on disk.
set -euo pipefail
DEST=${1:-$HOME/.cache/btf-corpus}
read -r -a BUILDS <<< "${DBG_BUILDS:-6.1.0-50-amd64}"
mkdir -p "$DEST"
cd "$DEST"
for b in "${BUILDS[@]}"; do
  d="$b-dbg"
  if [ -f "$d/.done" ]; then echo "$d: already here"; continue; fi
  rm -rf "$d" && mkdir -p "$d/pkg" "$d/modules"
  deb=$(ls dbg/linux-image-"$b"-dbg_*.deb 2> /dev/null | head -n 1 || true)
  if [ -z "$deb" ]; then
    echo "$d: downloading linux-image-$b-dbg"
    (cd "$d" && apt-get download -q "linux-image-$b-dbg" > /dev/null)
    deb=$(ls "$d"/linux-image-"$b"-dbg_*.deb | head -n 1)
  fi
  dpkg -x "$deb" "$d/pkg"
  mv "$d/pkg/usr/lib/debug/boot/vmlinux-$b" "$d/vmlinux"
  find "$d/pkg/usr/lib/debug/lib/modules" -name '*.ko' -exec mv -t "$d/modules" {} +
  rm -rf "$d/pkg" "$d"/linux-image-*.deb
  touch "$d/.done"
  echo "$d: vmlinux and $(ls "$d/modules" | wc -l) modules"
done
