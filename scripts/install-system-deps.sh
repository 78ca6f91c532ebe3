#!/usr/bin/env bash
# Installs the Debian packages the workbench and its tests use, when missing.
# tshark: capture oracle in tests; squashfs-tools, u-boot-tools, busybox-static, gcc: firmware fixtures;
# nmap, tcpdump: the live probe's port scan and its evidence capture; dropbear-bin, mosquitto, busybox,
# openssl: the servers of the simulated device; iproute2 (ip), util-linux (unshare): its private network;
# chromium, fonts-liberation: the browser tests (tests/browser/) drive JupyterLab and the bundle pages in it;
# fonts-noto-cjk: Japanese labels in plots and pages (issue 11);
# the rest are the external extractors unblob calls.
set -euo pipefail

declare -A wanted=(
  [tshark]=tshark
  [unsquashfs]=squashfs-tools
  [mkimage]=u-boot-tools
  [7z]=p7zip-full
  [unar]=unar
  [lziprecover]=lziprecover
  [lzop]=lzop
  [mkfs.erofs]=erofs-utils
  [lz4]=lz4
  [zstd]=zstd
  [debugfs]=e2fsprogs
  [cpio]=cpio
  [xz]=xz-utils
  [bzip2]=bzip2
  [gcc]=gcc
  [nmap]=nmap
  [tcpdump]=tcpdump
  [dropbear]=dropbear-bin
  [mosquitto]=mosquitto
  [openssl]=openssl
  [ip]=iproute2
  [unshare]=util-linux
  [chromium]=chromium
  [ubireader_extract_images]=""
)
missing=()
for cmd in "${!wanted[@]}"; do
  pkg=${wanted[$cmd]}
  [ -n "$pkg" ] || continue
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
[ -e /bin/busybox ] || [ -e /usr/bin/busybox ] || missing+=(busybox-static)
# a font Chromium can draw text with (a headless page with no font renders blank boxes)
[ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)
# Japanese text in plots (matplotlib's font fallback ends in "Noto Sans CJK JP") and in the bundle pages
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
