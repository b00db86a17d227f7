// SPDX-License-Identifier: GPL-2.0-only
/* End-to-end test harness (e2e.h). */
#include "e2e.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <mntent.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/client.h"
#include "lib/helper.h"
#include "lib/request.h"

#define E2E_NETNS_DIR "/var/run/netns"
#define E2E_DAEMON_START_MS 5000
#define E2E_DAEMON_STOP_MS 5000
#define E2E_BFCLI_TIMEOUT_MS 15000
#define E2E_CMD_TIMEOUT_MS 10000
/* A receiver waits this long for late packets once the sender is done. */
#define E2E_RX_GRACE_MS 150
#define E2E_RX_MAX_MS 5000
#define E2E_TCP_TIMEOUT_MS 500
#define E2E_PING_WAIT_MS 300
#define E2E_MAX_ARGS 32

int e2e_nfailures;

static unsigned int e2e_next_id;

/* ---------------------------------------------------------------------
 * Small utilities
 */

static long long e2e_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void e2e_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

bool e2e_contains(const char *haystack, const char *needle)
{
	return haystack && needle && strstr(haystack, needle);
}

bool e2e_one_line(const char *s)
{
	const char *nl;

	if (!s || !*s || *s == '\n')
		return false;
	nl = strchr(s, '\n');
	return !nl || !nl[1];
}

char *e2e_read_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return NULL;
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len - 1 == 0) {
			char *p = realloc(buf, cap * 2);

			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	return buf;
}

static int e2e_write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		return -errno;
	return 0;
}

int e2e_write_tmp(const char *text, char *path, size_t len)
{
	_cleanup_close_ int fd = -1;
	size_t n = strlen(text);

	snprintf(path, len, "/tmp/bf-selftest-%d-XXXXXX", getpid());
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

static int e2e_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/*
 * Wait up to @timeout_ms for @pid, killing it (SIGKILL) past the deadline.
 * Returns its exit status, -1 if a signal ended it.
 */
int e2e_reap(pid_t pid, int timeout_ms)
{
	_cleanup_close_ int pfd = e2e_pidfd_open(pid);
	int status;

	if (pfd >= 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };

		while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
			;
		if (!p.revents)
			kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run @argv, output discarded (shown with -v). Returns its exit status. */
int e2e_run(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, STDIN_FILENO);
		if (!bf_test_verbose()) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return e2e_reap(pid, E2E_CMD_TIMEOUT_MS);
}

int e2e_cmd(const char *fmt, ...)
{
	char line[512], *argv[E2E_MAX_ARGS], *save = NULL;
	size_t argc = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (bf_test_verbose())
		fprintf(stderr, "  + %s\n", line);
	for (char *w = strtok_r(line, " ", &save); w && argc < E2E_MAX_ARGS - 1;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	return e2e_run(argv);
}

const char *e2e_bin(const char *name)
{
	static char path[4][PATH_MAX];
	static unsigned int next;
	char self[PATH_MAX];
	char *p = path[next++ % ARRAY_SIZE(path)];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		n = 0;
	self[n] = '\0';
	snprintf(p, PATH_MAX, "%s/%s", dirname(self), name);
	return p;
}

const char *e2e_cgroup_root(void)
{
	static char root[192];
	static bool looked;
	struct mntent *m;
	FILE *f;

	if (looked)
		return root[0] ? root : NULL;
	looked = true;
	f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return NULL;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(root, sizeof(root), "%s", m->mnt_dir);
			break;
		}
	}
	endmntent(f);
	return root[0] ? root : NULL;
}

/* ---------------------------------------------------------------------
 * Leftovers of killed runs
 */

/* "bft<pid>_..." belongs to a bf_selftests run that is still going: the
 * process exists and is not a zombie (a killed run may stay one when its
 * parent doesn't reap it). */
static bool e2e_owner_alive(const char *name)
{
	char path[64], stat[256] = "";
	_cleanup_fclose_ FILE *f = NULL;
	const char *end;
	long pid;

	if (strncmp(name, E2E_PREFIX, strlen(E2E_PREFIX)))
		return false;
	pid = strtol(name + strlen(E2E_PREFIX), NULL, 10);
	if (pid <= 0 || pid == getpid())
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f || !fgets(stat, sizeof(stat), f))
		return false;
	/* "PID (COMM) STATE ..." */
	end = strrchr(stat, ')');
	return strstr(stat, "(bf_selftests)") && end && end[1] == ' ' && end[2] != 'Z' &&
	       end[2] != 'X';
}

static bool e2e_is_stale(const char *name)
{
	return !strncmp(name, E2E_PREFIX, strlen(E2E_PREFIX)) && !e2e_owner_alive(name);
}

static void e2e_remove_stale_links(void)
{
	struct if_nameindex *ifs = if_nameindex();

	if (!ifs)
		return;
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		if (e2e_is_stale(i->if_name))
			e2e_cmd("ip link del %s", i->if_name);
	}
	if_freenameindex(ifs);
}

static void e2e_remove_stale_netns(void)
{
	DIR *dir = opendir(E2E_NETNS_DIR);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (e2e_is_stale(de->d_name))
			e2e_cmd("ip netns del %s", de->d_name);
	}
	closedir(dir);
}

static void e2e_remove_stale_cgroups(void)
{
	const char *root = e2e_cgroup_root();
	DIR *dir = root ? opendir(root) : NULL;
	struct dirent *de;
	char path[512];

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || !e2e_is_stale(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		if (rmdir(path))
			fprintf(stderr, "  e2e: cannot remove stale cgroup %s: %s\n", path,
				strerror(errno));
	}
	closedir(dir);
}

/* /tmp/bf-selftest-<pid>... of runs that are over. */
/* The default run directory of this process's daemons: a persistent
 * daemon leaves its state file there. */
static void e2e_remove_run_dir(pid_t pid)
{
	char path[64], file[96];

	snprintf(path, sizeof(path), "/tmp/bf-selftest-%d.run", (int)pid);
	snprintf(file, sizeof(file), "%s/state", path);
	unlink(file);
	rmdir(path);
}

static void e2e_remove_stale_files(void)
{
	static const char prefix[] = "bf-selftest-";
	DIR *dir = opendir("/tmp");
	struct dirent *de;
	char path[PATH_MAX], owner[64];

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(owner, sizeof(owner), E2E_PREFIX "%ld",
			 strtol(de->d_name + strlen(prefix), NULL, 10));
		if (e2e_owner_alive(owner))
			continue;
		snprintf(path, sizeof(path), "/tmp/%s", de->d_name);
		if (unlink(path) && errno == EISDIR)
			e2e_remove_run_dir(strtol(de->d_name + strlen(prefix), NULL, 10));
	}
	closedir(dir);
}

void e2e_remove_stale(void)
{
	/* Links first: deleting a namespace frees its veth asynchronously. */
	e2e_remove_stale_links();
	e2e_remove_stale_netns();
	e2e_remove_stale_cgroups();
	e2e_remove_stale_files();
}

/* ---------------------------------------------------------------------
 * Daemon
 */

static void e2e_daemon_exec(const struct e2e_daemon *d, pid_t parent)
{
	const char *bin = e2e_bin("bpfilter");
	int log = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* A killed test run must not leave a daemon behind: it detaches
	 * everything on SIGTERM. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent || log < 0 || null < 0)
		_exit(127);
	dup2(null, STDIN_FILENO);
	dup2(log, STDOUT_FILENO);
	dup2(log, STDERR_FILENO);
	{
		const char *argv[24] = { "bpfilter" };
		char run_dir[64];
		bool has_run_dir = false;
		size_t n = 1;

		if (!d->args[0])
			argv[n++] = "--transient";
		for (size_t i = 0; i < ARRAY_SIZE(d->args) && d->args[i]; i++) {
			argv[n++] = d->args[i];
			has_run_dir |= !strcmp(d->args[i], "--run-dir");
		}
		/* Its own run directory: the lock in /run/bpfilter would let
		 * only one test daemon (or a real one) run at a time. */
		if (!has_run_dir) {
			snprintf(run_dir, sizeof(run_dir), "/tmp/bf-selftest-%d.run", parent);
			argv[n++] = "--run-dir";
			argv[n++] = run_dir;
		}
		argv[n++] = "--socket";
		argv[n++] = d->sock;
		argv[n++] = "-v";
		argv[n++] = "debug";
		execv(bin, (char *const *)argv);
	}
	fprintf(stderr, "e2e: cannot run %s: %s\n", bin, strerror(errno));
	_exit(127);
}

int e2e_daemon_start(struct e2e_daemon *d)
{
	pid_t parent = getpid();
	long long deadline;
	int status;

	snprintf(d->sock, sizeof(d->sock), "/tmp/bf-selftest-%d.sock", parent);
	snprintf(d->log, sizeof(d->log), "/tmp/bf-selftest-%d-%u.log", parent, ++e2e_next_id);
	d->pid = fork();
	if (d->pid < 0) {
		d->pid = 0;
		return -errno;
	}
	if (!d->pid)
		e2e_daemon_exec(d, parent);

	deadline = e2e_now_ms() + E2E_DAEMON_START_MS;
	while (e2e_now_ms() < deadline) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return -ECHILD;
		}
		if (!bf_client_ping(d->sock))
			return 0;
		e2e_sleep_ms(5);
	}
	return -ETIMEDOUT;
}

bool e2e_daemon_alive(struct e2e_daemon *d)
{
	int status;

	if (!d->pid)
		return false;
	if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
		fprintf(stderr, "  e2e: the daemon exited: %s %d\n",
			WIFEXITED(status) ? "status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		d->pid = 0;
		return false;
	}
	return true;
}

/* The daemon's own lines: with -v debug, libbpf's drown them. */
void e2e_daemon_print_log(const struct e2e_daemon *d)
{
	e2e_print_log(d->log);
}

void e2e_print_log(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[1024];

	if (!f)
		return;
	fprintf(stderr, "  ---- daemon log (%s, libbpf lines left out) ----\n", path);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "libbpf: ", 8))
			fprintf(stderr, "  | %s", line);
	}
	fprintf(stderr, "  ---- end of daemon log ----\n");
}

/* SIGTERM and wait: its exit status. */
static int e2e_daemon_terminate(struct e2e_daemon *d)
{
	int status;

	if (!d->pid)
		return -1;
	kill(d->pid, SIGTERM);
	status = e2e_reap(d->pid, E2E_DAEMON_STOP_MS);
	d->pid = 0;
	return status;
}

/* Print the log if asked, remove or keep it, remove the socket. */
static void e2e_daemon_release(struct e2e_daemon *d, bool keep_log)
{
	if (keep_log || bf_test_verbose())
		e2e_daemon_print_log(d);
	if (keep_log && d->log[0])
		fprintf(stderr, "  full daemon log kept in %s (until the next run)\n", d->log);
	else if (d->log[0])
		unlink(d->log);
	if (d->sock[0])
		unlink(d->sock);
	d->log[0] = d->sock[0] = '\0';
}

int e2e_daemon_stop(struct e2e_daemon *d, bool keep_log)
{
	int status = e2e_daemon_terminate(d);

	e2e_daemon_release(d, keep_log);
	return status;
}

/* ---------------------------------------------------------------------
 * bfcli
 */

void e2e_out_clean(struct e2e_out *out)
{
	free(out->out);
	free(out->err);
	out->out = out->err = NULL;
	out->status = -1;
}

static void e2e_bfcli_log(char *const argv[], const struct e2e_out *out)
{
	fprintf(stderr, "  $");
	for (size_t i = 0; argv[i]; i++)
		fprintf(stderr, strchr(argv[i], '\n') || strchr(argv[i], ' ') ? " '%s'" : " %s",
			argv[i]);
	fprintf(stderr, "\n  -> exit %d\n%s%s", out->status, out->out ? out->out : "",
		out->err ? out->err : "");
}

static void e2e_bfcli_exec(char *const argv[], e2e_enter_fn enter, const void *arg, int ofd,
			   int efd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	dup2(null, STDIN_FILENO);
	dup2(ofd, STDOUT_FILENO);
	dup2(efd, STDERR_FILENO);
	r = enter ? enter(arg) : 0;
	if (r) {
		fprintf(stderr, "e2e: the client cannot enter its namespaces: %s\n", strerror(-r));
		_exit(125);
	}
	execv(argv[0], argv);
	fprintf(stderr, "e2e: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int e2e_bfcli_va(const char *sock, e2e_enter_fn enter, const void *arg, struct e2e_out *out,
		 va_list ap)
{
	_cleanup_close_ int ofd = memfd_create("bfcli-out", MFD_CLOEXEC);
	_cleanup_close_ int efd = memfd_create("bfcli-err", MFD_CLOEXEC);
	char *argv[E2E_MAX_ARGS];
	size_t argc = 0;
	pid_t pid;

	e2e_out_clean(out);
	argv[argc++] = (char *)e2e_bin("bfcli");
	argv[argc++] = "--socket";
	argv[argc++] = (char *)sock;
	for (char *a = va_arg(ap, char *); a && argc < E2E_MAX_ARGS - 1; a = va_arg(ap, char *))
		argv[argc++] = a;
	argv[argc] = NULL;

	if (ofd < 0 || efd < 0)
		return out->status;
	pid = fork();
	if (pid < 0)
		return out->status;
	if (!pid)
		e2e_bfcli_exec(argv, enter, arg, ofd, efd);
	out->status = e2e_reap(pid, E2E_BFCLI_TIMEOUT_MS);
	out->out = e2e_read_fd(ofd);
	out->err = e2e_read_fd(efd);
	if (bf_test_verbose())
		e2e_bfcli_log(argv, out);
	return out->status;
}

int e2e_bfcli(const struct e2e_daemon *d, struct e2e_out *out, ...)
{
	va_list ap;
	int r;

	va_start(ap, out);
	r = e2e_bfcli_va(d->sock, NULL, NULL, out, ap);
	va_end(ap);
	return r;
}

/* ---------------------------------------------------------------------
 * Counters and snapshots of bfcli's printed form
 */

static const char *e2e_skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Does @line ("chain NAME ...") start chain @name? */
static bool e2e_is_chain_line(const char *line, const char *name)
{
	size_t len = strlen(name);

	return !strncmp(line, "chain ", 6) && !strncmp(line + 6, name, len) &&
	       (line[6 + len] == ' ' || line[6 + len] == '\n' || !line[6 + len]);
}

static void e2e_parse_counters_line(const char *l, struct e2e_counters *c, long rule)
{
	long long pkts, bytes, epkts, ebytes;

	if (sscanf(l, "counters policy %lld packets %lld bytes; error %lld packets %lld bytes",
		   &pkts, &bytes, &epkts, &ebytes) == 4) {
		c->policy_pkts = pkts;
		c->policy_bytes = bytes;
		c->error_pkts = epkts;
	} else if (rule >= 0 && rule < E2E_MAX_RULES &&
		   sscanf(l, "counters %lld packets %lld bytes", &pkts, &bytes) == 2) {
		c->rule_pkts[rule] = pkts;
		c->rule_bytes[rule] = bytes;
	}
}

int e2e_parse_counters(const char *text, const char *name, struct e2e_counters *c)
{
	bool found = false, in_chain = false;
	long rule = -1;

	memset(c, 0xff, sizeof(*c));
	c->nrules = 0;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		const char *l = e2e_skip_blanks(line);

		if (!strncmp(l, "chain ", 6)) {
			in_chain = l == line && e2e_is_chain_line(l, name);
			found |= in_chain;
		} else if (in_chain && !strncmp(l, "rule", 4) && (l[4] == '\n' || !l[4])) {
			c->nrules = (size_t)++rule + 1;
		} else if (in_chain && !strncmp(l, "counters ", 9)) {
			e2e_parse_counters_line(l, c, rule);
		}
		line = nl ? nl + 1 : NULL;
	}
	return found ? 0 : -ENOENT;
}

int e2e_chain_counters(const struct e2e_daemon *d, const char *name, struct e2e_counters *c)
{
	_cleanup_e2e_out_ struct e2e_out out = {};

	if (e2e_bfcli(d, &out, "chain", "get", "--name", name, NULL))
		return -EIO;
	return e2e_parse_counters(out.out, name, c);
}

char *e2e_ruleset_snapshot(const struct e2e_daemon *d)
{
	_cleanup_e2e_out_ struct e2e_out out = {};
	char *snap, *w;

	if (e2e_bfcli(d, &out, "ruleset", "get", NULL))
		return NULL;
	snap = w = calloc(1, strlen(out.out) + 1);
	if (!snap)
		return NULL;
	for (const char *line = out.out; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);

		if (strncmp(e2e_skip_blanks(line), "counters ", 9)) {
			memcpy(w, line, len);
			w += len;
		}
		line += len;
	}
	return snap;
}

void e2e_check_counters(const struct e2e_env *env, const char *chain, size_t rule,
			long long pkts, long long min_policy)
{
	struct e2e_counters c;

	if (!ASSERT_OK(e2e_chain_counters(&env->daemon, chain, &c), "chain get and its counters"))
		return;
	if (!ASSERT_TRUE(rule < c.nrules, "chain '%s': rule %zu not printed (%zu rules)", chain,
			 rule, c.nrules))
		return;
	ASSERT_TRUE(c.rule_pkts[rule] == pkts, "chain '%s', rule %zu: %lld packets, expected %lld",
		    chain, rule, c.rule_pkts[rule], pkts);
	ASSERT_TRUE(c.rule_bytes[rule] >= pkts * E2E_MIN_PKT_BYTES,
		    "chain '%s', rule %zu: %lld bytes for %lld packets", chain, rule,
		    c.rule_bytes[rule], pkts);
	ASSERT_TRUE(c.policy_pkts >= min_policy,
		    "chain '%s': policy counted %lld packets, expected at least %lld", chain,
		    c.policy_pkts, min_policy);
	ASSERT_TRUE(c.policy_pkts < 0 || c.policy_bytes >= c.policy_pkts * E2E_MIN_PKT_BYTES / 2,
		    "chain '%s': policy counted %lld bytes for %lld packets", chain,
		    c.policy_bytes, c.policy_pkts);
	ASSERT_TRUE(c.error_pkts == 0, "chain '%s': error counter %lld", chain, c.error_pkts);
}

void e2e_check_chain_absent(const struct e2e_env *env, const char *name)
{
	_cleanup_e2e_out_ struct e2e_out out = {};

	e2e_bfcli(&env->daemon, &out, "chain", "get", "--name", name, NULL);
	ASSERT_TRUE(out.status > 0, "chain get of flushed chain '%s' exited with %d", name,
		    out.status);
}

/* ---------------------------------------------------------------------
 * Fixtures: network namespace + veth pair, cgroup
 */

/* Is any address of the root namespace in 10.213.@n.0/24? */
static bool e2e_subnet_used(unsigned int n)
{
	_cleanup_fclose_ FILE *f = NULL;
	char cmd[64], buf[256];
	bool used = false;

	snprintf(cmd, sizeof(cmd), "ip -4 -o addr show to 10.213.%u.0/24", n);
	f = popen(cmd, "re");
	if (!f)
		return false;
	used = fgets(buf, sizeof(buf), f) != NULL;
	while (fgets(buf, sizeof(buf), f))
		;
	pclose(TAKE_PTR(f));
	return used;
}

static int e2e_netns_addrs(struct e2e_netns *ns)
{
	unsigned int n;

	for (n = 1; n < 255 && e2e_subnet_used(n); n++)
		;
	if (n == 255)
		return -EADDRINUSE;
	ns->n = n;
	snprintf(ns->host4, sizeof(ns->host4), "10.213.%u.1", n);
	snprintf(ns->ns4, sizeof(ns->ns4), "10.213.%u.2", n);
	snprintf(ns->host6, sizeof(ns->host6), "fd00:bf:%x::1", n);
	snprintf(ns->ns6, sizeof(ns->ns6), "fd00:bf:%x::2", n);
	return 0;
}

static int e2e_netns_create(struct e2e_netns *ns)
{
	unsigned int id = ++e2e_next_id;
	int r;

	snprintf(ns->name, sizeof(ns->name), E2E_PREFIX "%d_%u", getpid(), id);
	snprintf(ns->host_if, sizeof(ns->host_if), E2E_PREFIX "%d_%uh", getpid(), id);
	snprintf(ns->ns_if, sizeof(ns->ns_if), E2E_PREFIX "%d_%un", getpid(), id);
	r = e2e_netns_addrs(ns);
	if (r)
		return r;

	if (e2e_cmd("ip netns add %s", ns->name))
		return -EIO;
	ns->created = true;
	if (e2e_cmd("ip link add %s type veth peer name %s netns %s", ns->host_if, ns->ns_if,
		    ns->name))
		return -EIO;
	ns->host_ifindex = if_nametoindex(ns->host_if);
	r = e2e_cmd("ip addr add %s/24 dev %s", ns->host4, ns->host_if);
	r = r ?: e2e_cmd("ip addr add %s/64 dev %s nodad", ns->host6, ns->host_if);
	r = r ?: e2e_cmd("ip -n %s addr add %s/24 dev %s", ns->name, ns->ns4, ns->ns_if);
	r = r ?: e2e_cmd("ip -n %s addr add %s/64 dev %s nodad", ns->name, ns->ns6, ns->ns_if);
	r = r ?: e2e_cmd("ip -n %s link set lo up", ns->name);
	r = r ?: e2e_cmd("ip -n %s link set %s up", ns->name, ns->ns_if);
	r = r ?: e2e_cmd("ip link set %s up", ns->host_if);
	return r || !ns->host_ifindex ? -EIO : 0;
}

static void e2e_netns_destroy(struct e2e_netns *ns)
{
	if (!ns->created)
		return;
	/* Synchronous, unlike the veth's removal with its namespace. */
	if (if_nametoindex(ns->host_if))
		e2e_cmd("ip link del %s", ns->host_if);
	e2e_cmd("ip netns del %s", ns->name);
	ns->created = false;
}

static int e2e_cgroup_create(struct e2e_cgroup *cg)
{
	const char *root = e2e_cgroup_root();

	if (!root)
		return -ENOENT;
	snprintf(cg->path, sizeof(cg->path), "%s/" E2E_PREFIX "%d_%u", root, getpid(),
		 ++e2e_next_id);
	if (mkdir(cg->path, 0755))
		return -errno;
	cg->created = true;
	return 0;
}

static void e2e_cgroup_destroy(struct e2e_cgroup *cg)
{
	if (!cg->created)
		return;
	/* The css of exited members goes away asynchronously. */
	for (int i = 0; i < 100 && rmdir(cg->path) && errno == EBUSY; i++)
		e2e_sleep_ms(10);
	if (!access(cg->path, F_OK))
		fprintf(stderr, "  e2e: cannot remove cgroup %s: %s\n", cg->path, strerror(errno));
	cg->created = false;
}

bool e2e_env_setup(struct e2e_env *env, unsigned int flags)
{
	static bool cleaned;
	int r;

	env->nfailures_at_start = e2e_nfailures;
	if (geteuid()) {
		bf_test_skip("e2e tests need root");
		return false;
	}
	if (!cleaned) {
		e2e_remove_stale();
		cleaned = true;
	}
	env->flags = flags;
	if (flags & E2E_NETNS) {
		r = e2e_netns_create(&env->ns);
		if (!ASSERT_OK(r, "creating the network namespace and veth pair"))
			return false;
	}
	if (flags & E2E_CGROUP) {
		if (!e2e_cgroup_root()) {
			bf_test_skip("cgroup v2 is not mounted");
			return false;
		}
		r = e2e_cgroup_create(&env->cg);
		if (!ASSERT_OK(r, "creating the cgroup"))
			return false;
	}
	if (flags & E2E_DAEMON) {
		r = e2e_daemon_start(&env->daemon);
		if (!ASSERT_OK(r, "starting the daemon")) {
			e2e_daemon_stop(&env->daemon, true);
			return false;
		}
	}
	return true;
}

void e2e_env_teardown(struct e2e_env *env)
{
	if (env->daemon.pid)
		ASSERT_EQ(e2e_daemon_terminate(&env->daemon), 0, "daemon exit status (SIGTERM)");
	else if (env->daemon.log[0])
		ASSERT_TRUE(false, "the daemon died during the test");
	if (env->daemon.log[0])
		e2e_daemon_release(&env->daemon, e2e_nfailures != env->nfailures_at_start);
	e2e_netns_destroy(&env->ns);
	e2e_cgroup_destroy(&env->cg);
	e2e_remove_run_dir(getpid());
	env->flags = 0;
}

/* ---------------------------------------------------------------------
 * Processes in a namespace and cgroup
 */

static int e2e_enter(const struct e2e_ep *ep)
{
	char path[PATH_MAX];

	if (ep && ep->ns) {
		_cleanup_close_ int fd = -1;

		snprintf(path, sizeof(path), E2E_NETNS_DIR "/%s", ep->ns->name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET))
			return -errno;
	}
	if (ep && ep->cg) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", ep->cg->path);
		return e2e_write_file(path, "0");
	}
	return 0;
}

/* Fork a child that enters @ep and exits with @fn(@arg). */
static pid_t e2e_spawn(const struct e2e_ep *ep, int (*fn)(void *), void *arg)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	if (e2e_enter(ep)) {
		fprintf(stderr, "  e2e: cannot enter the namespace/cgroup: %s\n", strerror(errno));
		_exit(126);
	}
	_exit(fn(arg));
}

static int e2e_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return AF_INET6;
	}
	return -EINVAL;
}

/* A socket bound to the wildcard address of @family on @port. */
static int e2e_bound_socket(int family, int type, uint16_t port)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int one = 1;
	_cleanup_close_ int fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	e2e_sockaddr(family == AF_INET ? "0.0.0.0" : "::", port, &ss, &len);
	if (bind(fd, (struct sockaddr *)&ss, len))
		return -errno;
	return TAKE_FD(fd);
}

/* A receiver or a sender, run in a child. */
struct e2e_job {
	int family;
	int sotype;
	const char *addr;
	uint16_t port;
	int count;
	int res_fd; /* receiver -> parent: "r" when ready, then an int */
	int ctl_fd; /* parent -> receiver: closed when the sender is done */
	int ctl_wr; /* the parent's end of ctl, closed by the receiver */
	/* The receiver, if not a socket bound to the port (e2e_rx_fn). */
	int (*rx_fn)(void *job);
	const char *ifname; /* e2e_udp_sniff(): the interface to watch */
};

/*
 * Wait for p[0] to be readable: 1 when it is, 0 to wait again, -1 when
 * *deadline has passed. EOF on p[1] (the sender is done) shortens the wait
 * to the grace period.
 */
static int e2e_rx_wait(struct pollfd p[2], long long *deadline)
{
	long long left = *deadline - e2e_now_ms();

	if (left <= 0)
		return -1;
	if (poll(p, 2, (int)left) < 0 && errno != EINTR)
		return -1;
	if (p[1].revents) {
		p[1].fd = -1;
		if (*deadline > e2e_now_ms() + E2E_RX_GRACE_MS)
			*deadline = e2e_now_ms() + E2E_RX_GRACE_MS;
	}
	return !!(p[0].revents & POLLIN);
}

/* Accept/receive on @fd until @count, or the grace period after EOF on
 * @ctl, or E2E_RX_MAX_MS. */
static int e2e_rx_loop(int fd, int ctl, int sotype, int count)
{
	long long deadline = e2e_now_ms() + E2E_RX_MAX_MS;
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = ctl, .events = POLLIN } };
	char buf[2048];
	int n = 0;

	while (n < count) {
		int r = e2e_rx_wait(p, &deadline);

		if (r < 0)
			break;
		if (!r)
			continue;
		if (sotype == SOCK_STREAM) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				close(c);
				n++;
			}
		} else {
			while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
				n++;
		}
	}
	return n;
}

static int e2e_rx_fn(void *data)
{
	struct e2e_job *job = data;
	_cleanup_close_ int fd = -1;
	int n;

	close(job->ctl_wr);
	fd = e2e_bound_socket(job->family, job->sotype, job->port);
	if (fd < 0 || (job->sotype == SOCK_STREAM && listen(fd, 64)))
		return 1;
	if (write(job->res_fd, "r", 1) != 1)
		return 1;
	n = e2e_rx_loop(fd, job->ctl_fd, job->sotype, job->count);
	return write(job->res_fd, &n, sizeof(n)) == sizeof(n) ? 0 : 1;
}

static int e2e_udp_tx_fn(void *data)
{
	struct e2e_job *job = data;
	struct sockaddr_storage ss;
	socklen_t len;
	_cleanup_close_ int fd = -1;

	e2e_sockaddr(job->addr, job->port, &ss, &len);
	fd = socket(job->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1;
	for (int i = 0; i < job->count; i++) {
		/* Errors are expected: a cgroup egress drop gives EPERM. */
		(void)sendto(fd, "bpfilter e2e", 12, 0, (struct sockaddr *)&ss, len);
		usleep(200);
	}
	return 0;
}

/* Exits with 0 once connected, else the errno (ETIMEDOUT after
 * E2E_TCP_TIMEOUT_MS). */
static int e2e_tcp_tx_fn(void *data)
{
	struct e2e_job *job = data;
	struct pollfd p = { .events = POLLOUT };
	struct sockaddr_storage ss;
	socklen_t len;
	int err = 0;
	_cleanup_close_ int fd = -1;

	e2e_sockaddr(job->addr, job->port, &ss, &len);
	fd = socket(job->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	p.fd = fd;
	if (!connect(fd, (struct sockaddr *)&ss, len))
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	if (poll(&p, 1, E2E_TCP_TIMEOUT_MS) <= 0)
		return ETIMEDOUT;
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

static int e2e_read_timeout(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return -ETIMEDOUT;
	return read(fd, buf, len) == (ssize_t)len ? 0 : -EIO;
}

/*
 * Start a receiver in @dst, run @tx_fn in @src, and return what the
 * receiver counted; *@tx_status gets the sender's exit status.
 */
static int e2e_exchange(const struct e2e_ep *src, const struct e2e_ep *dst, struct e2e_job *job,
			int (*tx_fn)(void *), int *tx_status)
{
	int res[2], ctl[2], n = -EIO;
	pid_t rx, tx;
	char ready;

	if (pipe2(res, O_CLOEXEC))
		return -errno;
	if (pipe2(ctl, O_CLOEXEC)) {
		close(res[0]);
		close(res[1]);
		return -errno;
	}
	job->res_fd = res[1];
	job->ctl_fd = ctl[0];
	job->ctl_wr = ctl[1];
	rx = e2e_spawn(dst, job->rx_fn ?: e2e_rx_fn, job);
	close(res[1]);
	close(ctl[0]);
	if (rx < 0 || e2e_read_timeout(res[0], &ready, 1, 3000)) {
		*tx_status = -1;
		goto out;
	}
	tx = e2e_spawn(src, tx_fn, job);
	*tx_status = tx < 0 ? -1 : e2e_reap(tx, E2E_RX_MAX_MS);
	close(TAKE_FD(ctl[1]));
	if (e2e_read_timeout(res[0], &n, sizeof(n), E2E_RX_MAX_MS + 1000))
		n = -ETIMEDOUT;
out:
	if (ctl[1] >= 0)
		close(ctl[1]);
	close(res[0]);
	if (rx > 0)
		e2e_reap(rx, 1000);
	return n;
}

int e2e_udp(const struct e2e_ep *src, const struct e2e_ep *dst, const char *addr,
	    uint16_t port, int count)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct e2e_job job = { .sotype = SOCK_DGRAM, .addr = addr, .port = port, .count = count };
	int tx_status;

	job.family = e2e_sockaddr(addr, port, &ss, &len);
	if (job.family < 0)
		return job.family;
	return e2e_exchange(src, dst, &job, e2e_udp_tx_fn, &tx_status);
}

int e2e_tcp_connect(const struct e2e_ep *src, const struct e2e_ep *dst, const char *addr,
		    uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct e2e_job job = { .sotype = SOCK_STREAM, .addr = addr, .port = port, .count = 1 };
	int tx_status, n;

	job.family = e2e_sockaddr(addr, port, &ss, &len);
	if (job.family < 0)
		return job.family;
	n = e2e_exchange(src, dst, &job, e2e_tcp_tx_fn, &tx_status);
	if (n < 0)
		return n;
	return tx_status < 0 ? -EIO : -tx_status;
}

/* ---------------------------------------------------------------------
 * ICMP echo
 */

static uint16_t e2e_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

struct e2e_echo {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
	uint16_t id;
	uint16_t seq;
	char data[16];
};

/* Is @buf (from a raw socket of @family) an echo reply with id @id? */
static bool e2e_is_echo_reply(int family, const uint8_t *buf, ssize_t len, uint16_t id)
{
	const struct e2e_echo *e;
	size_t off = 0;

	if (family == AF_INET) {
		if (len < (ssize_t)sizeof(struct iphdr))
			return false;
		off = ((const struct iphdr *)buf)->ihl * 4U;
	}
	if (len < (ssize_t)(off + 8))
		return false;
	e = (const struct e2e_echo *)(buf + off);
	return e->type == (family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY) && e->id == id;
}

static int e2e_ping_fn(void *data)
{
	struct e2e_job *job = data;
	struct e2e_echo req = { .id = htons((uint16_t)getpid()) };
	struct sockaddr_storage ss;
	struct pollfd p = { .events = POLLIN };
	uint8_t buf[2048];
	long long deadline;
	socklen_t len;
	int n = 0;
	_cleanup_close_ int fd = -1;

	e2e_sockaddr(job->addr, 0, &ss, &len);
	fd = socket(job->family, SOCK_RAW | SOCK_CLOEXEC,
		    job->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0)
		return 255;
	p.fd = fd;
	req.type = job->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	snprintf(req.data, sizeof(req.data), "bpfilter e2e");
	for (int i = 0; i < job->count; i++) {
		req.seq = htons((uint16_t)i);
		req.csum = 0;
		/* The kernel computes ICMPv6 checksums of raw sockets. */
		if (job->family == AF_INET)
			req.csum = e2e_csum(&req, sizeof(req));
		(void)sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&ss, len);
	}
	deadline = e2e_now_ms() + E2E_PING_WAIT_MS;
	while (n < job->count && e2e_now_ms() < deadline) {
		ssize_t r;

		if (poll(&p, 1, (int)(deadline - e2e_now_ms())) <= 0)
			continue;
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0 && e2e_is_echo_reply(job->family, buf, r, req.id))
			n++;
	}
	return n;
}

int e2e_ping(const struct e2e_ep *src, const char *addr, int count)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct e2e_job job = { .addr = addr, .count = count > 100 ? 100 : count };
	pid_t pid;

	job.family = e2e_sockaddr(addr, 0, &ss, &len);
	if (job.family < 0)
		return job.family;
	pid = e2e_spawn(src, e2e_ping_fn, &job);
	if (pid < 0)
		return -errno;
	return e2e_reap(pid, E2E_PING_WAIT_MS + 5000);
}

/* ---------------------------------------------------------------------
 * Steady UDP stream and local receivers
 */

struct e2e_stream_job {
	const char *addr;
	const uint16_t *ports;
	size_t nports;
	unsigned int interval_us;
};

static int e2e_stream_fn(void *data)
{
	struct e2e_stream_job *job = data;
	struct sockaddr_storage ss;
	socklen_t len;
	int family = e2e_sockaddr(job->addr, 0, &ss, &len);
	_cleanup_close_ int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 1;
	for (size_t i = 0;; i = (i + 1) % job->nports) {
		e2e_sockaddr(job->addr, job->ports[i], &ss, &len);
		(void)sendto(fd, "bpfilter e2e", 12, 0, (struct sockaddr *)&ss, len);
		usleep(job->interval_us);
	}
	return 0;
}

int e2e_stream_start(struct e2e_stream *s, const struct e2e_ep *src, const char *addr,
		     const uint16_t *ports, size_t nports, unsigned int interval_us)
{
	struct e2e_stream_job job = { addr, ports, nports, interval_us };

	s->pid = e2e_spawn(src, e2e_stream_fn, &job);
	if (s->pid < 0) {
		s->pid = 0;
		return -errno;
	}
	return 0;
}

void e2e_stream_stop(struct e2e_stream *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	e2e_reap(s->pid, 1000);
	s->pid = 0;
}

int e2e_udp_open(int family, uint16_t port)
{
	return e2e_bound_socket(family, SOCK_DGRAM, port);
}

void e2e_udp_drain(int fd)
{
	char buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

void e2e_udp_count(const int *fds, size_t nfds, int ms, int *counts)
{
	long long deadline = e2e_now_ms() + ms;
	struct pollfd p[8];
	char buf[2048];

	nfds = nfds > ARRAY_SIZE(p) ? ARRAY_SIZE(p) : nfds;
	for (size_t i = 0; i < nfds; i++) {
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		counts[i] = 0;
	}
	for (long long left = ms; left > 0; left = deadline - e2e_now_ms()) {
		if (poll(p, nfds, (int)left) <= 0)
			continue;
		for (size_t i = 0; i < nfds; i++) {
			while (p[i].revents && recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT) >= 0)
				counts[i]++;
		}
	}
}

enum e2e_xdp_mode e2e_xdp_mode(const char *ifname)
{
	enum e2e_xdp_mode mode = E2E_XDP_NONE;
	char cmd[128], line[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -o link show dev %s 2>/dev/null", ifname);
	f = popen(cmd, "r");
	if (!f)
		return E2E_XDP_NONE;
	if (fgets(line, sizeof(line), f)) {
		if (strstr(line, " xdpgeneric"))
			mode = E2E_XDP_GENERIC;
		else if (strstr(line, " xdpdrv") || strstr(line, " xdpoffload"))
			mode = E2E_XDP_OTHER;
		else if (strstr(line, " xdp "))
			mode = E2E_XDP_DRV;
	}
	pclose(f);
	return mode;
}

/* ---------------------------------------------------------------------
 * More fixtures and probes (issue 4: logs, REDIRECT, socket-address hooks)
 */

int e2e_netns_add(struct e2e_netns *ns)
{
	if (geteuid())
		return -EPERM;
	return e2e_netns_create(ns);
}

void e2e_netns_del(struct e2e_netns *ns)
{
	e2e_netns_destroy(ns);
}

/* Is @buf (from a SOCK_DGRAM packet socket: the IPv4 header first) a UDP
 * datagram to @port? */
static bool e2e_is_udp_to(const uint8_t *buf, ssize_t len, uint16_t port)
{
	const struct iphdr *ip = (const struct iphdr *)buf;
	size_t off;

	if (len < (ssize_t)sizeof(*ip) || ip->version != 4 || ip->protocol != IPPROTO_UDP)
		return false;
	off = ip->ihl * 4U;
	if (len < (ssize_t)(off + 4))
		return false;
	return ((uint16_t)(buf[off + 2] << 8 | buf[off + 3])) == port;
}

/* Count the IPv4 UDP datagrams to job->port arriving on job->ifname, until
 * job->count or the grace period after EOF on ctl. */
static int e2e_sniff_loop(int fd, int ctl, uint16_t port, int count)
{
	long long deadline = e2e_now_ms() + E2E_RX_MAX_MS;
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = ctl, .events = POLLIN } };
	uint8_t buf[2048];
	int n = 0;

	while (n < count) {
		if (e2e_rx_wait(p, &deadline) < 0)
			break;
		while (p[0].revents & POLLIN) {
			struct sockaddr_ll from;
			socklen_t flen = sizeof(from);
			ssize_t r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
					     (struct sockaddr *)&from, &flen);

			if (r < 0)
				break;
			if (from.sll_pkttype != PACKET_OUTGOING && e2e_is_udp_to(buf, r, port))
				n++;
		}
	}
	return n;
}

static int e2e_sniff_fn(void *data)
{
	struct e2e_job *job = data;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	_cleanup_close_ int fd = -1;
	int n;

	close(job->ctl_wr);
	sll.sll_ifindex = (int)if_nametoindex(job->ifname);
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd < 0 || !sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		return 1;
	if (write(job->res_fd, "r", 1) != 1)
		return 1;
	n = e2e_sniff_loop(fd, job->ctl_fd, job->port, job->count);
	return write(job->res_fd, &n, sizeof(n)) == sizeof(n) ? 0 : 1;
}

int e2e_udp_sniff(const struct e2e_ep *src, const struct e2e_ep *sniff, const char *ifname,
		  const char *addr, uint16_t port, int count)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct e2e_job job = { .sotype = SOCK_DGRAM,
			       .addr = addr,
			       .port = port,
			       .count = count,
			       .rx_fn = e2e_sniff_fn,
			       .ifname = ifname };
	int tx_status;

	job.family = e2e_sockaddr(addr, port, &ss, &len);
	if (job.family < 0)
		return job.family;
	return e2e_exchange(src, sniff, &job, e2e_udp_tx_fn, &tx_status);
}

/* Exits with 0 if sendto() succeeded, else its errno. */
static int e2e_udp_send_fn(void *data)
{
	struct e2e_job *job = data;
	struct sockaddr_storage ss;
	socklen_t len;
	_cleanup_close_ int fd = -1;

	e2e_sockaddr(job->addr, job->port, &ss, &len);
	fd = socket(job->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (sendto(fd, "bpfilter e2e", 12, 0, (struct sockaddr *)&ss, len) < 0)
		return errno;
	return 0;
}

int e2e_udp_send_errno(const struct e2e_ep *src, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct e2e_job job = { .addr = addr, .port = port };
	pid_t pid;
	int r;

	job.family = e2e_sockaddr(addr, port, &ss, &len);
	if (job.family < 0)
		return job.family;
	pid = e2e_spawn(src, e2e_udp_send_fn, &job);
	if (pid < 0)
		return -errno;
	r = e2e_reap(pid, E2E_RX_MAX_MS);
	return r < 0 ? -EIO : -r;
}

/* --- bfcli in the background --- */

int e2e_bfcli_start(const struct e2e_daemon *d, struct e2e_bg *bg, ...)
{
	char *argv[E2E_MAX_ARGS];
	int out[2], err[2];
	size_t argc = 0;
	va_list ap;

	memset(bg, 0, sizeof(*bg));
	bg->out = bg->err = -1;
	argv[argc++] = (char *)e2e_bin("bfcli");
	argv[argc++] = "--socket";
	argv[argc++] = (char *)d->sock;
	va_start(ap, bg);
	for (char *a = va_arg(ap, char *); a && argc < E2E_MAX_ARGS - 1; a = va_arg(ap, char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	if (pipe2(out, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	bg->pid = fork();
	if (!bg->pid)
		e2e_bfcli_exec(argv, NULL, NULL, out[1], err[1]);
	close(out[1]);
	close(err[1]);
	bg->out = out[0];
	bg->err = err[0];
	if (bg->pid < 0) {
		bg->pid = 0;
		e2e_bg_stop(bg);
		return -errno;
	}
	fcntl(bg->out, F_SETFL, O_NONBLOCK);
	fcntl(bg->err, F_SETFL, O_NONBLOCK);
	return 0;
}

static void e2e_bg_append(char **text, size_t *len, int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = realloc(*text, *len + (size_t)n + 1);

		if (!p)
			return;
		memcpy(p + *len, buf, (size_t)n);
		*len += (size_t)n;
		p[*len] = '\0';
		*text = p;
	}
}

static size_t e2e_count_lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

size_t e2e_bg_read(struct e2e_bg *bg, size_t nlines, int ms)
{
	long long deadline = e2e_now_ms() + ms;

	for (;;) {
		struct pollfd p[2] = { { .fd = bg->out, .events = POLLIN },
				       { .fd = bg->err, .events = POLLIN } };
		long long left = deadline - e2e_now_ms();

		e2e_bg_append(&bg->out_text, &bg->out_len, bg->out);
		e2e_bg_append(&bg->err_text, &bg->err_len, bg->err);
		if (e2e_count_lines(bg->out_text) >= nlines || left <= 0)
			break;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			break;
		/* Both ends closed: the process is gone, nothing more comes. */
		if ((p[0].revents & POLLHUP) && !(p[0].revents & POLLIN) &&
		    (p[1].revents & POLLHUP) && !(p[1].revents & POLLIN))
			break;
	}
	return e2e_count_lines(bg->out_text);
}

bool e2e_bg_running(struct e2e_bg *bg)
{
	int status;

	if (!bg->pid)
		return false;
	if (waitpid(bg->pid, &status, WNOHANG) != bg->pid)
		return true;
	bg->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	bg->pid = 0;
	bg->exited = true;
	return false;
}

int e2e_bg_wait(struct e2e_bg *bg, int ms)
{
	if (bg->pid) {
		_cleanup_close_ int pfd = e2e_pidfd_open(bg->pid);
		struct pollfd p = { .fd = pfd, .events = POLLIN };

		if (pfd >= 0)
			while (poll(&p, 1, ms) < 0 && errno == EINTR)
				;
		if (e2e_bg_running(bg))
			return -ETIMEDOUT;
	}
	e2e_bg_read(bg, SIZE_MAX, 0);
	return bg->exited ? bg->status : -ECHILD;
}

int e2e_bg_stop(struct e2e_bg *bg)
{
	if (bg->pid) {
		kill(bg->pid, SIGINT);
		bg->status = e2e_reap(bg->pid, 3000);
		bg->pid = 0;
		bg->exited = true;
	}
	if (bg->out >= 0) {
		e2e_bg_append(&bg->out_text, &bg->out_len, bg->out);
		close(bg->out);
	}
	if (bg->err >= 0) {
		e2e_bg_append(&bg->err_text, &bg->err_len, bg->err);
		close(bg->err);
	}
	bg->out = bg->err = -1;
	return bg->exited ? bg->status : -1;
}

void e2e_bg_clean(struct e2e_bg *bg)
{
	e2e_bg_stop(bg);
	free(bg->out_text);
	free(bg->err_text);
	bg->out_text = bg->err_text = NULL;
	bg->out_len = bg->err_len = 0;
}

bool e2e_daemon_log_wait(const struct e2e_daemon *d, const char *needle, int ms)
{
	long long deadline = e2e_now_ms() + ms;

	do {
		_cleanup_close_ int fd = open(d->log, O_RDONLY | O_CLOEXEC);
		_cleanup_free_ char *text = fd >= 0 ? e2e_read_fd(fd) : NULL;

		if (e2e_contains(text, needle))
			return true;
		e2e_sleep_ms(10);
	} while (e2e_now_ms() < deadline);
	return false;
}

uint32_t e2e_prog_id(const char *name)
{
	_cleanup_fclose_ FILE *f = NULL;
	char cmd[128], line[512];
	unsigned int id = 0;

	snprintf(cmd, sizeof(cmd), "bpftool prog show name %s 2>/dev/null", name);
	f = popen(cmd, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!id && sscanf(line, "%u:", &id) != 1)
			id = 0;
	}
	pclose(TAKE_PTR(f));
	return id;
}
