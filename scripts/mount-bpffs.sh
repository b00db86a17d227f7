#!/usr/bin/env bash
# Mount the BPF filesystem where pins go, if nothing is mounted there yet.
set -euo pipefail
dir=${1:-/sys/fs/bpf}
if ! mountpoint -q "$dir"; then
	mkdir -p "$dir"
	mount -t bpf bpf "$dir"
fi
