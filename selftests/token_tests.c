// SPDX-License-Identifier: GPL-2.0-only
/*
 * --with-bpf-token: the daemon runs confined in its own user, mount and
 * network namespaces, where root maps to root but has no capability the
 * kernel's bpf() checks recognize, so every program and map it loads must
 * go through a BPF token. The test, privileged, plays the host: it lets the
 * daemon's namespace open a bpffs, sets its delegation options (which only
 * a privileged process may), and joins the daemon's network namespace to
 * the root one with a veth pair. Clients then run bfcli in the daemon's
 * namespaces and the chains are proven with traffic, ip and bpftool.
 *
 * Without a usable bpffs (a plain directory, a bpffs of the initial user
 * namespace, one without delegation) the daemon must refuse to start.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/client.h"
#include "lib/helper.h"
#include "ns_util.h"

#define TOK_START_MS 5000
/* "At once": a daemon that can't get its token is gone within this. */
#define TOK_REFUSE_MS 3000

/* A daemon in user, mount and network namespaces of its own. */
struct tok_daemon {
	pid_t pid;	/* 0 once reaped */
	int sk;		/* the test's end of the setup socket pair */
	char dir[64];	/* /tmp/bft-<pid>-tok<n>: everything below */
	char bpffs[96]; /* where the daemon's namespace mounts its bpffs */
	char run[96];
	char sock[108];
	char log[96];
	bool has_dir;
	bool has_netns;
	bool has_veth;
	struct e2e_netns ns; /* the daemon's network namespace, named */
	int nfailures_at_start;
};

static unsigned int tok_next_id;

static long long tok_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* One byte on the setup socket pair, to wait for the other side. */
static int tok_send(int sk, char c)
{
	return send(sk, &c, 1, MSG_NOSIGNAL) == 1 ? 0 : -EPIPE;
}

static int tok_wait(int sk, char expected, int ms)
{
	struct pollfd p = { .fd = sk, .events = POLLIN };
	char c;

	if (poll(&p, 1, ms) <= 0)
		return -ETIMEDOUT;
	if (recv(sk, &c, 1, 0) != 1)
		return -EPIPE;
	return c == expected ? 0 : -EPROTO;
}

static int tok_send_fd(int sk, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = {}, c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sk, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int tok_recv_fd(int sk, int ms)
{
	char buf[CMSG_SPACE(sizeof(int))] = {}, c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)
	};
	struct pollfd p = { .fd = sk, .events = POLLIN };
	struct cmsghdr *cm;
	int fd;

	if (poll(&p, 1, ms) <= 0)
		return -ETIMEDOUT;
	if (recvmsg(sk, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -EPIPE;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* ---------------------------------------------------------------------
 * The daemon's side: runs in the forked child, ends in exec.
 */

static void __attribute__((noreturn)) tok_child_fail(const char *what)
{
	fprintf(stderr, "  token test: daemon setup: %s: %s\n", what, strerror(errno));
	_exit(126);
}

/* Open a bpffs for our user namespace; the parent configures and creates
 * it, we mount it at @path. */
static void tok_child_bpffs(int sk, const char *path)
{
	_cleanup_close_ int fs = fsopen("bpf", FSOPEN_CLOEXEC);
	_cleanup_close_ int mnt = -1;

	if (fs < 0)
		tok_child_fail("fsopen(\"bpf\")");
	if (tok_send_fd(sk, fs) || tok_wait(sk, 'c', TOK_START_MS))
		tok_child_fail("the parent did not create the bpffs");
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		tok_child_fail("fsmount()");
	if (move_mount(mnt, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH))
		tok_child_fail("move_mount()");
}

static void tok_child_exec(const struct tok_daemon *d)
{
	const char *bin = e2e_bin("bpfilter");
	int log = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (log < 0)
		tok_child_fail(d->log);
	dup2(log, STDOUT_FILENO);
	dup2(log, STDERR_FILENO);
	execl(bin, "bpfilter", "--transient", "--with-bpf-token", "--bpffs-path", d->bpffs,
	      "--run-dir", d->run, "--socket", d->sock, "-v", "debug", (char *)NULL);
	tok_child_fail(bin);
}

static void __attribute__((noreturn)) tok_child(const struct tok_daemon *d, int sk)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* Root maps to root: the parent writes the maps once we are in. */
	if (unshare(CLONE_NEWUSER))
		tok_child_fail("unshare(CLONE_NEWUSER)");
	if (tok_send(sk, 'u') || tok_wait(sk, 'm', TOK_START_MS))
		tok_child_fail("the parent did not write the uid and gid maps");
	/* Owned by the new user namespace, as a container's would be. */
	if (unshare(CLONE_NEWNS | CLONE_NEWNET))
		tok_child_fail("unshare(CLONE_NEWNS | CLONE_NEWNET)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		tok_child_fail("making / private");
	tok_child_bpffs(sk, d->bpffs);
	if (tok_send(sk, 'r'))
		tok_child_fail("telling the parent");
	tok_child_exec(d);
	_exit(127);
}

/* ---------------------------------------------------------------------
 * The host's side.
 */

static int tok_write_map(pid_t pid, const char *map)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, map);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0 0 1", 5) != 5)
		return -errno;
	return 0;
}

/* Create the bpffs the child opened as @fs, with delegation or not. */
static int tok_create_bpffs(int fs, bool delegate)
{
	static const char *const opts[] = { "delegate_cmds", "delegate_maps", "delegate_progs",
					    "delegate_attachs" };

	for (size_t i = 0; delegate && i < ARRAY_SIZE(opts); i++) {
		if (fsconfig(fs, FSCONFIG_SET_STRING, opts[i], "any", 0))
			return -errno;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		return -errno;
	return 0;
}

/* Drive the child's setup, up to its exec. */
static int tok_host_setup(struct tok_daemon *d, bool delegate)
{
	_cleanup_close_ int fs = -1;
	int r;

	r = tok_wait(d->sk, 'u', TOK_START_MS);
	r = r ?: tok_write_map(d->pid, "uid_map");
	r = r ?: tok_write_map(d->pid, "gid_map");
	r = r ?: tok_send(d->sk, 'm');
	if (r)
		return r;
	fs = tok_recv_fd(d->sk, TOK_START_MS);
	if (fs < 0)
		return fs;
	r = tok_create_bpffs(fs, delegate);
	if (r)
		return r;
	r = tok_send(d->sk, 'c');
	return r ?: tok_wait(d->sk, 'r', TOK_START_MS);
}

static int tok_paths(struct tok_daemon *d)
{
	unsigned int id = ++tok_next_id;

	nsu_remove_stale();
	snprintf(d->dir, sizeof(d->dir), "/tmp/" E2E_PREFIX "-%d-tok%u", getpid(), id);
	snprintf(d->bpffs, sizeof(d->bpffs), "%s/bpffs", d->dir);
	snprintf(d->run, sizeof(d->run), "%s/run", d->dir);
	snprintf(d->sock, sizeof(d->sock), "%s/daemon.sock", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", d->dir);
	snprintf(d->ns.name, sizeof(d->ns.name), E2E_PREFIX "%d_t%u", getpid(), id);
	snprintf(d->ns.host_if, sizeof(d->ns.host_if), E2E_PREFIX "%d_t%uh", getpid(), id);
	snprintf(d->ns.ns_if, sizeof(d->ns.ns_if), E2E_PREFIX "%d_t%un", getpid(), id);
	if (mkdir(d->dir, 0700) && errno != EEXIST)
		return -errno;
	d->has_dir = true;
	if (mkdir(d->bpffs, 0700))
		return -errno;
	return 0;
}

/* Fork the child that becomes the daemon and drive its setup. */
static int tok_spawn(struct tok_daemon *d, bool delegate)
{
	int sks[2], r;

	r = tok_paths(d);
	if (r)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sks))
		return -errno;
	d->pid = fork();
	if (d->pid < 0) {
		d->pid = 0;
		close(sks[0]);
		close(sks[1]);
		return -errno;
	}
	if (!d->pid) {
		close(sks[0]);
		tok_child(d, sks[1]);
	}
	close(sks[1]);
	d->sk = sks[0];
	return tok_host_setup(d, delegate);
}

/* 10.216.@n.0/24 is free in the root namespace. */
static bool tok_subnet_free(unsigned int n)
{
	_cleanup_free_ char *out = nsu_output("ip -4 -o addr show to 10.216.%u.0/24", n);

	return out && !*out;
}

/* Name the daemon's network namespace and join it to the root one. */
static int tok_network(struct tok_daemon *d)
{
	struct e2e_netns *ns = &d->ns;
	unsigned int n;
	int r;

	for (n = 1; n < 255 && !tok_subnet_free(n); n++)
		;
	snprintf(ns->host4, sizeof(ns->host4), "10.216.%u.1", n);
	snprintf(ns->ns4, sizeof(ns->ns4), "10.216.%u.2", n);
	if (e2e_cmd("ip netns attach %s %d", ns->name, d->pid))
		return -EIO;
	d->has_netns = true;
	if (e2e_cmd("ip link add %s type veth peer name %s netns %s", ns->host_if, ns->ns_if,
		    ns->name))
		return -EIO;
	d->has_veth = true;
	r = e2e_cmd("ip addr add %s/24 dev %s", ns->host4, ns->host_if);
	r = r ?: e2e_cmd("ip -n %s addr add %s/24 dev %s", ns->name, ns->ns4, ns->ns_if);
	r = r ?: e2e_cmd("ip -n %s link set lo up", ns->name);
	r = r ?: e2e_cmd("ip -n %s link set %s up", ns->name, ns->ns_if);
	r = r ?: e2e_cmd("ip link set %s up", ns->host_if);
	return r ? -EIO : 0;
}

/* The daemon exited: its status, or -1 if a signal ended it; -EAGAIN while
 * it runs. */
static int tok_exited(struct tok_daemon *d)
{
	int status;

	if (!d->pid || waitpid(d->pid, &status, WNOHANG) != d->pid)
		return -EAGAIN;
	d->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Wait until the daemon accepts connections; a connection is all this
 * checks, as the root namespace's requests are refused (see below). */
static int tok_wait_ready(struct tok_daemon *d)
{
	long long deadline = tok_now_ms() + TOK_START_MS;

	while (tok_now_ms() < deadline) {
		int fd = bf_client_connect(d->sock);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (tok_exited(d) != -EAGAIN)
			return -ECHILD;
		usleep(5000);
	}
	return -ETIMEDOUT;
}

/* Wait up to @ms for the daemon to exit: its status, -EAGAIN if it still
 * runs. */
static int tok_wait_exit(struct tok_daemon *d, int ms)
{
	long long deadline = tok_now_ms() + ms;
	int r;

	while ((r = tok_exited(d)) == -EAGAIN && tok_now_ms() < deadline)
		usleep(5000);
	return r;
}

static void tok_print_log(const struct tok_daemon *d)
{
	_cleanup_fclose_ FILE *f = fopen(d->log, "re");
	char line[1024];

	if (!f)
		return;
	fprintf(stderr, "  ---- daemon log (%s, libbpf lines left out) ----\n", d->log);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "libbpf: ", 8))
			fprintf(stderr, "  | %s", line);
	}
	fprintf(stderr, "  ---- end of daemon log ----\n");
}

static char *tok_read_log(const struct tok_daemon *d)
{
	return nsu_output("cat %s", d->log);
}

static void tok_teardown(struct tok_daemon *d)
{
	if (d->pid) {
		kill(d->pid, SIGTERM);
		ASSERT_EQ(tok_wait_exit(d, 5000), 0, "the confined daemon's exit status (SIGTERM)");
		if (d->pid) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, NULL, 0);
			d->pid = 0;
		}
	}
	if (d->sk > 0)
		close(d->sk);
	d->sk = -1;
	if (e2e_nfailures != d->nfailures_at_start || bf_test_verbose())
		tok_print_log(d);
	if (d->has_veth)
		e2e_cmd("ip link del %s", d->ns.host_if);
	if (d->has_netns)
		e2e_cmd("ip netns del %s", d->ns.name);
	if (d->has_dir)
		e2e_cmd("rm -rf %s", d->dir);
	d->has_veth = d->has_netns = d->has_dir = false;
}
#define _cleanup_tok_daemon_ __attribute__((cleanup(tok_teardown)))

static bool tok_root(void)
{
	if (geteuid()) {
		bf_test_skip("needs root");
		return false;
	}
	return true;
}

/* Run bfcli in the daemon's user, network and mount namespaces: the
 * kernel lets the daemon look at the namespaces of clients of its own user
 * namespace only. */
static int tok_bfcli_in(const struct tok_daemon *d, struct e2e_out *out, const char *a1,
			const char *a2, const char *a3, const char *a4)
{
	return nsu_bfcli(d->sock, nsu_enter_pid_ns, &d->pid, out, a1, a2, a3, a4, NULL);
}

/* A chain dropping UDP to @port, set from inside; asserts it worked. */
static bool tok_set_drop(const struct tok_daemon *d, const char *chain, const char *hook,
			 uint16_t port)
{
	_cleanup_e2e_out_ struct e2e_out out = {};
	char text[512];

	snprintf(text, sizeof(text),
		 "chain %s %s ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq %u\n"
		 "        counter\n"
		 "        DROP\n",
		 chain, hook, port);
	tok_bfcli_in(d, &out, "chain", "set", "--from-str", text);
	return ASSERT_BFCLI_OK(&out, chain);
}

/* E2E_NPKTS datagrams from the root namespace into the daemon's. */
static int tok_udp_in(const struct tok_daemon *d, uint16_t port)
{
	return e2e_udp(E2E_ROOT, E2E_IN_NS(&d->ns), d->ns.ns4, port, E2E_NPKTS);
}

/* Rule 0 of @chain counted @pkts, read by a client inside. */
static void tok_check_counter(const struct tok_daemon *d, const char *chain, long long pkts)
{
	_cleanup_e2e_out_ struct e2e_out out = {};
	struct e2e_counters c;

	tok_bfcli_in(d, &out, "chain", "get", "--name", chain);
	if (!ASSERT_BFCLI_OK(&out, "chain get from inside") ||
	    !ASSERT_OK(e2e_parse_counters(out.out, chain, &c), "chain get prints the chain"))
		return;
	ASSERT_TRUE(c.nrules == 1 && c.rule_pkts[0] == pkts,
		    "chain '%s': rule counted %lld packets, expected %lld", chain, c.rule_pkts[0],
		    pkts);
}

/* A client outside the daemon's namespaces: the daemon, confined, can't
 * enter them, and says so. */
static void tok_check_outsider(const struct tok_daemon *d)
{
	_cleanup_e2e_out_ struct e2e_out out = {};

	nsu_bfcli(d->sock, NULL, NULL, &out, "chain", "set", "--from-str",
		  "chain tok_out BF_HOOK_NF_LOCAL_IN ACCEPT\n", NULL);
	ASSERT_BFCLI_FAILS(&out, "cannot enter the network namespace of client pid",
			   "chain set from the root namespaces");
	ASSERT_TRUE(e2e_contains(out.err, "another user namespace"), "the refusal says why: %s",
		    out.err);
	tok_bfcli_in(d, &out, "chain", "get", "--name", "tok_out");
	ASSERT_TRUE(out.status > 0, "the refused chain exists (chain get exited %d)", out.status);
}

static bool tok_start(struct tok_daemon *d)
{
	int r;

	d->sk = -1;
	d->nfailures_at_start = e2e_nfailures;
	r = tok_spawn(d, true);
	if (!ASSERT_OK(r, "starting a daemon in user, mount and network namespaces"))
		return false;
	r = tok_network(d);
	if (!ASSERT_OK(r, "joining the daemon's network namespace to the root one"))
		return false;
	r = tok_wait_ready(d);
	return ASSERT_OK(r, "the confined daemon listens");
}

/*
 * The daemon in a user namespace: a client outside is refused; chain load
 * and get; TC and netfilter chains in the daemon's network namespace,
 * proven with traffic from the root namespace, counters and bpftool.
 *
 * Not checked: the programs' names. libbpf 1.4 probes for name support
 * with a bpf_attr cut short of its token field, so with a token it finds
 * no support and loads programs and maps without names (fixed in later
 * libbpf releases).
 */
BF_TEST(token_userns_daemon)
{
	_cleanup_tok_daemon_ struct tok_daemon d = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	char hook[64];

	if (!tok_root() || !tok_start(&d))
		return;
	ASSERT_FLOWS(tok_udp_in(&d, 42001), "UDP to 42001 before the chains");
	tok_check_outsider(&d);

	tok_bfcli_in(&d, &out, "chain", "load", "--from-str",
		     "chain tok_load BF_HOOK_TC_INGRESS ACCEPT\n"
		     "    rule\n"
		     "        udp.dport eq 42000\n"
		     "        DROP\n");
	ASSERT_BFCLI_OK(&out, "chain load from inside");
	tok_bfcli_in(&d, &out, "chain", "get", "--name", "tok_load");
	ASSERT_BFCLI_OK(&out, "chain get of the loaded chain");
	ASSERT_TRUE(e2e_contains(out.out, "chain tok_load BF_HOOK_TC_INGRESS"),
		    "chain get prints the loaded chain: %s", out.out);

	snprintf(hook, sizeof(hook), "BF_HOOK_TC_INGRESS{ifindex=%s}", d.ns.ns_if);
	if (tok_set_drop(&d, "tok_tc", hook, 42001)) {
		ASSERT_DROPPED(tok_udp_in(&d, 42001), "UDP to 42001 (dropped by TC)");
		ASSERT_FLOWS(tok_udp_in(&d, 42002), "UDP to 42002");
		tok_check_counter(&d, "tok_tc", E2E_NPKTS);
		ASSERT_TRUE(nsu_bpftool_net_has(d.ns.name, d.ns.ns_if, "tcx/ingress"),
			    "bpftool net shows no TC program on %s", d.ns.ns_if);
	}

	if (tok_set_drop(&d, "tok_nf", "BF_HOOK_NF_LOCAL_IN", 42003)) {
		ASSERT_DROPPED(tok_udp_in(&d, 42003), "UDP to 42003 (dropped by netfilter)");
		ASSERT_FLOWS(e2e_udp(E2E_ROOT, E2E_ROOT, "127.0.0.1", 42003, E2E_NPKTS),
			     "UDP to 42003 in the root namespace");
		tok_check_counter(&d, "tok_nf", E2E_NPKTS);
	}

	tok_bfcli_in(&d, &out, "ruleset", "flush", NULL, NULL);
	ASSERT_BFCLI_OK(&out, "ruleset flush from inside");
	ASSERT_FLOWS(tok_udp_in(&d, 42001), "UDP to 42001 after the flush");
	ASSERT_FLOWS(tok_udp_in(&d, 42003), "UDP to 42003 after the flush");
	ASSERT_TRUE(!nsu_bpftool_net_has(d.ns.name, d.ns.ns_if, "tcx/ingress"),
		    "a TC program is left on %s after the flush", d.ns.ns_if);
}

/* XDP from the daemon in a user namespace: attached, filtering, detached. */
BF_TEST(token_userns_xdp)
{
	_cleanup_tok_daemon_ struct tok_daemon d = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	char hook[64];

	if (!tok_root() || !tok_start(&d))
		return;
	snprintf(hook, sizeof(hook), "BF_HOOK_XDP{ifindex=%s}", d.ns.ns_if);
	if (!tok_set_drop(&d, "tok_xdp", hook, 42004))
		return;
	ASSERT_TRUE(nsu_has_xdp(d.ns.name, d.ns.ns_if), "no XDP program on %s", d.ns.ns_if);
	ASSERT_DROPPED(tok_udp_in(&d, 42004), "UDP to 42004 (dropped by XDP)");
	ASSERT_FLOWS(tok_udp_in(&d, 42005), "UDP to 42005");
	tok_check_counter(&d, "tok_xdp", E2E_NPKTS);

	tok_bfcli_in(&d, &out, "chain", "flush", "--name", "tok_xdp");
	ASSERT_BFCLI_OK(&out, "chain flush from inside");
	ASSERT_TRUE(!nsu_has_xdp(d.ns.name, d.ns.ns_if), "XDP left on %s after the flush",
		    d.ns.ns_if);
	ASSERT_FLOWS(tok_udp_in(&d, 42004), "UDP to 42004 after the flush");
}

/* Assert the daemon refused to start, soon, saying @why about @path. */
static void tok_check_refusal(struct tok_daemon *d, const char *path, const char *why)
{
	_cleanup_free_ char *log = NULL;
	char needle[256];
	int status;

	status = tok_wait_exit(d, TOK_REFUSE_MS);
	ASSERT_TRUE(status > 0, "the daemon should exit non-zero at once, got %s %d",
		    status == -EAGAIN ? "still running after the delay," : "status", status);
	log = tok_read_log(d);
	snprintf(needle, sizeof(needle), "cannot create a BPF token from '%s'", path);
	ASSERT_TRUE(e2e_contains(log, needle) && e2e_contains(log, why),
		    "the error names '%s' and says '%s': %s", path, why, log);
	ASSERT_TRUE(access(d->sock, F_OK), "the refused daemon created its socket");
}

/* Run the daemon here, in the root namespaces, with --with-bpf-token and
 * --bpffs-path @bpffs. */
static int tok_spawn_here(struct tok_daemon *d, const char *bpffs)
{
	int r = tok_paths(d);

	d->sk = -1;
	d->nfailures_at_start = e2e_nfailures;
	if (r)
		return r;
	snprintf(d->bpffs, sizeof(d->bpffs), "%s", bpffs);
	d->pid = fork();
	if (d->pid < 0) {
		d->pid = 0;
		return -errno;
	}
	if (!d->pid) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		tok_child_exec(d);
	}
	return 0;
}

/* A plain directory is no bpffs. */
BF_TEST(token_refused_not_bpffs)
{
	_cleanup_tok_daemon_ struct tok_daemon d = {};
	char plain[128];

	if (!tok_root())
		return;
	snprintf(plain, sizeof(plain), "/tmp/" E2E_PREFIX "-%d-tok-plain", getpid());
	if (!ASSERT_TRUE(!mkdir(plain, 0700) || errno == EEXIST, "mkdir %s", plain) ||
	    !ASSERT_OK(tok_spawn_here(&d, plain), "running the daemon")) {
		rmdir(plain);
		return;
	}
	tok_check_refusal(&d, plain, "not a bpffs");
	rmdir(plain);
}

/* The root namespace's bpffs: tokens are for user namespaces. */
BF_TEST(token_refused_initial_userns)
{
	_cleanup_tok_daemon_ struct tok_daemon d = {};
	struct statfs sfs;

	if (!tok_root())
		return;
	if (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		bf_test_skip("no bpffs at /sys/fs/bpf");
		return;
	}
	if (!ASSERT_OK(tok_spawn_here(&d, "/sys/fs/bpf"), "running the daemon"))
		return;
	tok_check_refusal(&d, "/sys/fs/bpf", "initial user namespace");
}

/* The daemon's own bpffs, created without delegation options. */
BF_TEST(token_refused_no_delegation)
{
	_cleanup_tok_daemon_ struct tok_daemon d = {};

	if (!tok_root())
		return;
	d.sk = -1;
	d.nfailures_at_start = e2e_nfailures;
	if (!ASSERT_OK(tok_spawn(&d, false), "starting a daemon in a user namespace"))
		return;
	tok_check_refusal(&d, d.bpffs, "delegates nothing");
}
