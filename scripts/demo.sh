#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bpfilter demo (run by `make demo`, as root): starts a private daemon, wires
# a network namespace to this host with a veth pair, filters real traffic
# with an XDP chain and a netfilter chain, shows the counters, flushes, and
# removes everything it created, whatever happens (Ctrl+C included).
#
# Nothing outside the demo's own objects is touched: the namespace "bfdemo",
# the veth pair bfdemo-h / bfdemo-n on 10.213.250.0/24 (a private test
# range), a daemon on its own socket, /run/bfdemo and /run/bfdemo.{pids,lock}.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
NS=bfdemo
HOST_IF=bfdemo-h
NS_IF=bfdemo-n
HOST4=10.213.250.1
NS4=10.213.250.2
# Root-only and fixed, so a killed demo's leftovers are found next time.
WORK=/run/bfdemo
SOCK=$WORK/daemon.sock
PIDFILE=/run/bfdemo.pids
LOCK=/run/bfdemo.lock
OPEN_PORT=8080
BLOCKED_PORT=8081

DAEMON_PID=
SERVER_PID=
UNEXPECTED=0

if [ -t 1 ]; then
	BOLD=$'\e[1m' GREEN=$'\e[32m' RED=$'\e[31m' RESET=$'\e[0m'
else
	BOLD='' GREEN='' RED='' RESET=''
fi

section() { printf '\n%s=== %s ===%s\n' "$BOLD" "$*" "$RESET"; }
say() { printf '    %s\n' "$*"; }
ok() { printf '    %s[ok]%s %s\n' "$GREEN" "$RESET" "$*"; }
unexpected() {
	printf '    %s[UNEXPECTED]%s %s\n' "$RED" "$RESET" "$*"
	UNEXPECTED=$((UNEXPECTED + 1))
}
# Show a command, then run it.
run() {
	printf '    $ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/      /'
	return "${PIPESTATUS[0]}"
}
bfcli() { "$BIN/bfcli" --socket "$SOCK" "$@"; }

# Kill a process we started, if pid $1 still is ours: its file $2 in /proc
# (cmdline or environ) contains $3.
kill_ours() {
	local pid=$1 file=$2 pattern=$3
	[ -n "$pid" ] && [ -r "/proc/$pid/$file" ] || return 0
	tr '\0' '\n' <"/proc/$pid/$file" | grep -qx -- "$pattern" || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}
kill_daemon() { kill_ours "$1" cmdline "$SOCK"; }
kill_server() { kill_ours "$1" environ "BF_E2E_HELPER=tcp-server.*"; }

# Remove everything the demo may have created: ours now, or a leftover of a
# demo that was killed (so running it again always works).
remove_all() {
	if [ -r "$PIDFILE" ]; then
		local pid
		while read -r pid; do
			kill_daemon "$pid"
			kill_server "$pid"
		done <"$PIDFILE"
		rm -f "$PIDFILE"
	fi
	kill_server "$SERVER_PID"
	kill_daemon "$DAEMON_PID"
	wait 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
	SERVER_PID='' DAEMON_PID=''
}

on_exit() {
	local status=$?
	trap - EXIT INT TERM
	section "Cleaning up"
	remove_all
	rm -f "$LOCK"
	say "daemon stopped (it detached its chains), namespace and veth pair removed"
	if [ "$status" -eq 0 ] && [ "$UNEXPECTED" -gt 0 ]; then
		status=1
	fi
	if [ "$status" -eq 130 ]; then
		printf '\nInterrupted.\n'
	elif [ "$status" -ne 0 ]; then
		printf '\n%sThe demo did not go as expected (exit %d).%s\n' \
			"$RED" "$status" "$RESET"
	else
		printf '\n%sDemo complete.%s\n' "$GREEN" "$RESET"
	fi
	exit "$status"
}

die() {
	printf '%sdemo: %s%s\n' "$RED" "$*" "$RESET" >&2
	if [ -s "$WORK/daemon.log" ]; then
		echo "--- daemon log ---" >&2
		cat "$WORK/daemon.log" >&2
	fi
	exit 1
}

# Run in the namespace.
in_ns() { ip netns exec "$NS" "$@"; }

# One line from the TCP server on $HOST4:$1, from inside the namespace.
tcp_hello() {
	in_ns timeout 2 bash -c "exec 3<>/dev/tcp/$HOST4/$1 && head -n1 <&3" 2>/dev/null
}

expect_tcp() {
	local port=$1 want=$2 reply
	if reply=$(tcp_hello "$port") && [ -n "$reply" ]; then
		if [ "$want" = open ]; then
			ok "TCP to $HOST4:$port connects, the server says: \"$reply\""
		else
			unexpected "TCP to $HOST4:$port connects, it should be blocked"
		fi
	else
		if [ "$want" = blocked ]; then
			ok "TCP to $HOST4:$port gets no answer (blocked)"
		else
			unexpected "TCP to $HOST4:$port gets no answer"
		fi
	fi
}

expect_ping() {
	local want=$1 out received
	out=$(in_ns ping -n -c 3 -i 0.2 -W 1 "$HOST4" 2>&1)
	received=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' <<<"$out")
	received=${received:-0}
	if [ "$want" = replies ] && [ "$received" -gt 0 ]; then
		ok "ping $HOST4 from the namespace: $received of 3 replies"
	elif [ "$want" = dropped ] && [ "$received" -eq 0 ]; then
		ok "ping $HOST4 from the namespace: 0 of 3 replies (echo requests dropped)"
	else
		unexpected "ping $HOST4 from the namespace: $received of 3 replies"
	fi
}

start_daemon() {
	# Its own run directory: a bpfilter service may be running (and holds
	# /run/bpfilter/daemon.lock).
	"$BIN/bpfilter" --transient --run-dir "$WORK/run" --socket "$SOCK" >"$WORK/daemon.log" 2>&1 &
	DAEMON_PID=$!
	echo "$DAEMON_PID" >>"$PIDFILE"
	for _ in $(seq 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || die "the daemon exited at start"
		bfcli ruleset get >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	die "the daemon does not answer on $SOCK"
}

start_server() {
	BF_E2E_HELPER="tcp-server $OPEN_PORT $BLOCKED_PORT" "$BIN/bf_selftests" \
		>"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	echo "$SERVER_PID" >>"$PIDFILE"
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$OPEN_PORT") 2>/dev/null && return 0
		kill -0 "$SERVER_PID" 2>/dev/null ||
			die "the TCP server exited: $(cat "$WORK/server.log")"
		sleep 0.1
	done
	die "the TCP server does not listen on $OPEN_PORT"
}

setup_netns() {
	if ! { ip netns add "$NS" &&
		ip link add "$HOST_IF" type veth peer name "$NS_IF" netns "$NS" &&
		ip addr add "$HOST4/24" dev "$HOST_IF" &&
		ip -n "$NS" addr add "$NS4/24" dev "$NS_IF" &&
		ip -n "$NS" link set lo up &&
		ip -n "$NS" link set "$NS_IF" up &&
		ip link set "$HOST_IF" up; }; then
		die "cannot create the namespace and veth pair"
	fi
}

write_ruleset() {
	cat >"$WORK/ruleset.bf" <<EOF
# Dropped at XDP, the earliest hook, on the host side of the veth: ICMP echo
# requests. TCP is counted and accepted; anything else meets the policy.
chain demo_xdp BF_HOOK_XDP{ifindex=$HOST_IF} ACCEPT
    rule
        icmp.type eq echo-request
        counter
        DROP
    rule
        meta.l4_proto eq tcp
        counter
        ACCEPT

# Blocked in netfilter's LOCAL_IN: TCP to port $BLOCKED_PORT from the namespace.
chain demo_nf BF_HOOK_NF_LOCAL_IN{family=inet4} ACCEPT
    rule
        ip4.saddr eq $NS4
        tcp.dport eq $BLOCKED_PORT
        counter
        DROP
EOF
}

main() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo: must run as root (it loads BPF programs and creates a namespace)" >&2
		exit 1
	fi
	for b in bpfilter bfcli bf_selftests; do
		[ -x "$BIN/$b" ] || { echo "demo: $BIN/$b is missing: run make first" >&2; exit 1; }
	done

	# One demo at a time: they share names.
	exec 9>"$LOCK"
	if ! flock -n 9; then
		echo "demo: another demo is running" >&2
		exit 1
	fi
	trap on_exit EXIT
	trap 'exit 130' INT TERM
	remove_all
	mkdir -m 0700 "$WORK" || exit 1

	section "1. Starting the bpfilter daemon"
	start_daemon
	say "bpfilter --transient --socket $SOCK (pid $DAEMON_PID, log in $WORK/daemon.log)"
	say "--transient: when the daemon stops, its chains are detached"

	section "2. A network namespace \"$NS\" wired to this host"
	setup_netns
	say "host:      $HOST_IF  $HOST4/24"
	say "namespace: $NS_IF  $NS4/24  (inside \"$NS\")"
	start_server
	say "a TCP server on this host answers on ports $OPEN_PORT and $BLOCKED_PORT"

	section "3. Traffic from the namespace before any rule: everything flows"
	expect_ping replies
	expect_tcp "$OPEN_PORT" open
	expect_tcp "$BLOCKED_PORT" open

	section "4. Applying a ruleset with bfcli"
	write_ruleset
	sed 's/^/      /' "$WORK/ruleset.bf"
	run "$BIN/bfcli" --socket "$SOCK" ruleset set --from-file "$WORK/ruleset.bf" ||
		die "bfcli ruleset set failed"

	section "5. Traffic from the namespace with the ruleset"
	expect_ping dropped
	expect_tcp "$OPEN_PORT" open
	expect_tcp "$BLOCKED_PORT" blocked

	section "6. The chains and their counters"
	say "policy: packets no rule decided on; each rule counts what it matched"
	run "$BIN/bfcli" --socket "$SOCK" ruleset get || unexpected "bfcli ruleset get failed"

	section "7. Removing every chain: traffic is restored"
	run "$BIN/bfcli" --socket "$SOCK" ruleset flush || unexpected "bfcli ruleset flush failed"
	run "$BIN/bfcli" --socket "$SOCK" ruleset get || unexpected "bfcli ruleset get failed"
	say "(ruleset get prints nothing: no chain is left)"
	expect_ping replies
	expect_tcp "$BLOCKED_PORT" open
}

main "$@"
