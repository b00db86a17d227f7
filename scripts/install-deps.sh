#!/usr/bin/env bash
# Install everything bpfilter needs to build, test and run its demo.
# Idempotent: packages already at a suitable version are left alone.
set -euo pipefail

BACKPORT_PKGS=(libbpf-dev bpftool linux-libc-dev)
PKGS=(make gcc clang llvm libxdp-dev libelf-dev zlib1g-dev pkg-config check
      bison flex iproute2 iputils-ping libcap-dev valgrind systemd gnuplot-nox)

have_debian12() {
	[ -r /etc/os-release ] || return 1
	. /etc/os-release
	[ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ]
}

print_requirements() {
	cat <<MSG
bpfilter needs, on any Linux distribution:
  - libbpf >= 1.4 (headers and library), bpftool >= 7.4
  - kernel UAPI headers >= 6.12 (linux-libc-dev or equivalent)
  - clang and llvm (BPF target), gcc or clang for userspace, make, pkg-config
  - libxdp, libelf, zlib, check (unit tests), bison and flex
  - iproute2 and ping (tests and demo)
  - gnuplot (make bench draws its plot with it)
MSG
}

if ! have_debian12; then
	echo "install-deps: not Debian 12; install these yourself:" >&2
	print_requirements >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root to install packages" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
list=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "deb http://deb.debian.org/debian bookworm-backports main" >"$list"
fi

apt-get update -qq
apt-get install -y -qq "${PKGS[@]}" >/dev/null
apt-get install -y -qq -t bookworm-backports "${BACKPORT_PKGS[@]}" >/dev/null

# Debian ships bpftool under /usr/sbin; make sure the one from backports is used.
ver=$(bpftool version 2>/dev/null | sed -n 's/^bpftool v\([0-9.]*\).*/\1/p')
echo "install-deps: bpftool ${ver:-?}, libbpf $(pkg-config --modversion libbpf), libxdp $(pkg-config --modversion libxdp)"
