#!/usr/bin/env bash
# Installs the Debian packages colod's tests and capture need, once; a no-op when they are present.
#   QEMU 7.2 (the colo-compare peer of the interop tests), tshark (pcap cross-checks),
#   libbpf1/libbpf-dev/clang/llvm (eBPF capture), iproute2/tcpdump (test topologies).
set -euo pipefail
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in qemu-system-x86 tshark libbpf1 libbpf-dev clang llvm iproute2 tcpdump linux-libc-dev; do
  have "$p" || need+=("$p")
done
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-system: missing Debian packages: ${need[*]}; run this script as root (apt-get install)" >&2
  exit 1
fi
echo "setup-system: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "setup-system: done"
