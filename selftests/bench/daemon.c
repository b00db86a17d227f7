// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon measurements (bench.h). bf_bench starts a transient daemon of
 * its own, from the build directory it was built in, in a network
 * namespace of its own holding a veth pair (this kernel has no dummy
 * interfaces), and times bfcli as a user runs it: `chain set --from-file`
 * until it returns, which the daemon answers once the chain is attached
 * (XDP on one end of the pair), then `chain update` with other rules of
 * the same size.
 *
 * Everything is removed at the end, also on failure. If bf_bench is
 * killed, the daemon gets SIGTERM (PR_SET_PDEATHSIG; transient, it detaches
 * and unloads everything), the namespace and its interface go with the
 * last process in them, and the files left in /tmp are removed by the
 * next run (bench_remove_stale()).
 */
#include "bench.h"

#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/lock.h"
#include "lib/client.h"
#include "lib/helper.h"
#include "lib/request.h"

#define BENCH_TMP_DIR "/tmp"
#define BENCH_TMP_PREFIX "bf-bench-"
#define BENCH_IFNAME "bfbench0"
#define BENCH_PEER "bfbench1"
#define BENCH_HOOK "BF_HOOK_XDP{ifindex=" BENCH_IFNAME "}"
#define BENCH_DAEMON_START_MS 10000
/* A transient daemon unloads every chain when it stops. */
#define BENCH_DAEMON_STOP_MS 60000
/* A million rules take a while; a hung request must still end. */
#define BENCH_CLI_TIMEOUT_MS (15 * 60 * 1000)
#define BENCH_CMD_TIMEOUT_MS 10000
#define BENCH_LOG_TAIL 30
#define BENCH_MAX_RUNS 8

struct bench_daemon {
	pid_t pid;   /* 0: not running */
	int home_ns; /* bf_bench's own network namespace while in the bench's; -1 */
	unsigned int ifindex;
	char dir[64]; /* BENCH_TMP_DIR/bf-bench-<pid>.XXXXXX: run directory and files */
	char sock[96];
	char lock[96];
	char log[96];
	char out[96]; /* bfcli's output */
	char chain[96];
	char update[96];
};

/* One daemon workload: chain set, update and flush, @runs times. */
struct bench_dwork {
	enum bench_work w;
	uint32_t n;
	uint32_t runs;
};

/* For the signal handler. */
static struct bench_daemon *bench_active;

static int bench_reap(pid_t pid, int timeout_ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int status;

	if (pfd >= 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		int r;

		do {
			r = poll(&p, 1, timeout_ms);
		} while (r < 0 && errno == EINTR);
		if (r == 0) {
			fprintf(stderr, "bf_bench: pid %d still running after %d ms: killed\n",
				(int)pid, timeout_ms);
			kill(pid, SIGKILL);
		}
		close(pfd);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* In the child: @deathsig when bf_bench dies, the CPUs bf_bench started
 * with (the children are not what is pinned), output to @out (NULL:
 * bf_bench's). */
static void __attribute__((noreturn))
bench_exec(const struct bench *b, pid_t parent, char *const argv[], const char *out, int deathsig)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;

	prctl(PR_SET_PDEATHSIG, deathsig);
	if (getppid() != parent || null < 0 || (out && fd < 0))
		_exit(127);
	sched_setaffinity(0, sizeof(b->cpus), &b->cpus);
	dup2(null, STDIN_FILENO);
	if (out) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "bf_bench: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int bench_spawn(const struct bench *b, char *const argv[], const char *out, int timeout_ms,
		double *ms)
{
	pid_t parent = getpid();
	double start = bench_now_ms();
	pid_t pid = fork();
	int r;

	if (pid < 0)
		return -errno;
	if (!pid)
		bench_exec(b, parent, argv, out, SIGKILL);
	r = bench_reap(pid, timeout_ms);
	if (ms)
		*ms = bench_now_ms() - start;
	return r;
}

static int bench_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static bool bench_is_running(long pid)
{
	char path[64], comm[32] = "";
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	return f && fgets(comm, sizeof(comm), f) && !strcmp(comm, "bf_bench\n");
}

void bench_remove_stale(void)
{
	DIR *dir = opendir(BENCH_TMP_DIR);
	size_t len = strlen(BENCH_TMP_PREFIX);
	char path[PATH_MAX];
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char *end;
		long pid;

		if (strncmp(de->d_name, BENCH_TMP_PREFIX, len))
			continue;
		pid = strtol(de->d_name + len, &end, 10);
		if (*end != '.' || bench_is_running(pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", BENCH_TMP_DIR, de->d_name);
		nftw(path, bench_remove_one, 4, FTW_DEPTH | FTW_PHYS);
	}
	closedir(dir);
}

/* Only async-signal-safe calls: stop the daemon, remove the files. */
static void bench_on_signal(int sig)
{
	struct bench_daemon *d = bench_active;

	if (d) {
		if (d->pid > 0)
			kill(d->pid, SIGTERM);
		unlink(d->chain);
		unlink(d->update);
		unlink(d->out);
		unlink(d->log);
		/* The daemon's own files, which it is about to remove too. */
		unlink(d->sock);
		unlink(d->lock);
		/* Should anything else be left, the next run removes it. */
		rmdir(d->dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void bench_catch_signals(void (*handler)(int))
{
	signal(SIGINT, handler);
	signal(SIGTERM, handler);
	signal(SIGHUP, handler);
}

static int bench_paths(struct bench_daemon *d)
{
	snprintf(d->dir, sizeof(d->dir), "%s/%s%d.XXXXXX", BENCH_TMP_DIR, BENCH_TMP_PREFIX,
		 (int)getpid());
	if (!mkdtemp(d->dir)) {
		fprintf(stderr, "bf_bench: mkdtemp: %s\n", strerror(errno));
		d->dir[0] = '\0';
		return -errno;
	}
	snprintf(d->sock, sizeof(d->sock), "%s/daemon.sock", d->dir);
	snprintf(d->lock, sizeof(d->lock), "%s/" BF_LOCK_NAME, d->dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", d->dir);
	snprintf(d->out, sizeof(d->out), "%s/bfcli.out", d->dir);
	snprintf(d->chain, sizeof(d->chain), "%s/chain.bf", d->dir);
	snprintf(d->update, sizeof(d->update), "%s/update.bf", d->dir);
	return 0;
}

/* "ip @args..." (NULL-terminated). */
static int bench_ip(const struct bench *b, ...)
{
	char *argv[16] = { "ip" };
	size_t argc = 1;
	va_list ap;
	int r;

	va_start(ap, b);
	for (char *a = va_arg(ap, char *); a && argc < ARRAY_SIZE(argv) - 1; a = va_arg(ap, char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	r = bench_spawn(b, argv, NULL, BENCH_CMD_TIMEOUT_MS, NULL);
	if (r) {
		fprintf(stderr, "bf_bench: exit %d:", r);
		for (size_t i = 0; i < argc; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
	}
	return r ? -EIO : 0;
}

/*
 * Move bf_bench into a new network namespace with lo and a veth pair up.
 * bf_bench is single-threaded, so it can come back with setns().
 */
static int bench_netns_enter(const struct bench *b, struct bench_daemon *d)
{
	int r;

	d->home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (d->home_ns < 0)
		return -errno;
	if (unshare(CLONE_NEWNET)) {
		r = -errno;
		fprintf(stderr, "bf_bench: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		close(d->home_ns);
		d->home_ns = -1;
		return r;
	}
	r = bench_ip(b, "link", "set", "lo", "up", NULL);
	r = r
		    ?: bench_ip(b, "link", "add", BENCH_IFNAME, "type", "veth", "peer", "name",
				BENCH_PEER, NULL);
	r = r ?: bench_ip(b, "link", "set", BENCH_IFNAME, "up", NULL);
	r = r ?: bench_ip(b, "link", "set", BENCH_PEER, "up", NULL);
	if (r)
		return r;
	d->ifindex = if_nametoindex(BENCH_IFNAME);
	return d->ifindex ? 0 : -ENODEV;
}

static void bench_netns_leave(struct bench_daemon *d)
{
	if (d->home_ns < 0)
		return;
	if (setns(d->home_ns, CLONE_NEWNET))
		fprintf(stderr, "bf_bench: cannot go back to the first network namespace: %s\n",
			strerror(errno));
	close(d->home_ns);
	d->home_ns = -1;
}

/* The daemon's last lines, without libbpf's. */
static void bench_daemon_print_log(const struct bench_daemon *d)
{
	_cleanup_fclose_ FILE *f = fopen(d->log, "re");
	char lines[BENCH_LOG_TAIL][512];
	size_t n = 0;

	if (!f)
		return;
	while (fgets(lines[n % BENCH_LOG_TAIL], sizeof(lines[0]), f)) {
		if (strncmp(lines[n % BENCH_LOG_TAIL], "libbpf: ", 8))
			n++;
	}
	fprintf(stderr, "  ---- daemon log (last lines) ----\n");
	for (size_t i = n > BENCH_LOG_TAIL ? n - BENCH_LOG_TAIL : 0; i < n; i++)
		fprintf(stderr, "  | %s", lines[i % BENCH_LOG_TAIL]);
	fprintf(stderr, "  ---- end of daemon log ----\n");
}

static int bench_daemon_start(const struct bench *b, struct bench_daemon *d)
{
	char bin[PATH_MAX];
	char *argv[] = { bin, "--transient", "--run-dir", d->dir, "--socket", d->sock, NULL };
	double deadline = bench_now_ms() + BENCH_DAEMON_START_MS;
	pid_t parent = getpid();
	int status;

	snprintf(bin, sizeof(bin), "%s/bpfilter", b->bin_dir);
	d->pid = fork();
	if (d->pid < 0) {
		d->pid = 0;
		return -errno;
	}
	/* SIGTERM: a transient daemon detaches and unloads everything. */
	if (!d->pid)
		bench_exec(b, parent, argv, d->log, SIGTERM);
	while (bench_now_ms() < deadline) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			fprintf(stderr, "bf_bench: the daemon %s exited at start\n", bin);
			bench_daemon_print_log(d);
			return -ECHILD;
		}
		if (!bf_client_ping(d->sock))
			return 0;
		usleep(5000);
	}
	fprintf(stderr, "bf_bench: the daemon did not answer within %d ms\n",
		BENCH_DAEMON_START_MS);
	return -ETIMEDOUT;
}

static void bench_daemon_stop(struct bench_daemon *d)
{
	int status;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		status = bench_reap(d->pid, BENCH_DAEMON_STOP_MS);
		if (status)
			fprintf(stderr, "bf_bench: the daemon exited with %d\n", status);
		d->pid = 0;
	}
	bench_netns_leave(d);
	if (d->dir[0])
		nftw(d->dir, bench_remove_one, 4, FTW_DEPTH | FTW_PHYS);
	d->dir[0] = '\0';
}

static void bench_print_file(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[1024];

	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "  | %s", line);
}

/* "bfcli --socket S @args..." (NULL-terminated); its wall time to *ms. */
static int bench_cli(const struct bench *b, const struct bench_daemon *d, double *ms, ...)
{
	char bin[PATH_MAX], *argv[16] = { bin, "--socket", (char *)d->sock };
	size_t argc = 3;
	va_list ap;
	int r;

	snprintf(bin, sizeof(bin), "%s/bfcli", b->bin_dir);
	va_start(ap, ms);
	for (char *a = va_arg(ap, char *); a && argc < ARRAY_SIZE(argv) - 1; a = va_arg(ap, char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	r = bench_spawn(b, argv, d->out, BENCH_CLI_TIMEOUT_MS, ms);
	if (r) {
		fprintf(stderr, "bf_bench: bfcli %s %s %s: exit %d\n", argv[3], argv[4], argv[5],
			r);
		bench_print_file(d->out);
		bench_daemon_print_log(d);
		return r < 0 && r != -1 ? r : -EIO;
	}
	return 0;
}

/* An XDP program on the interface: the chain is attached. */
static int bench_check_attached(const struct bench_daemon *d, const char *what)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, opts);
	int r = bpf_xdp_query((int)d->ifindex, 0, &opts);

	if (r || !(opts.prog_id || opts.skb_prog_id || opts.drv_prog_id)) {
		fprintf(stderr, "bf_bench: after %s, no XDP program on %s (%s)\n", what,
			BENCH_IFNAME, r ? strerror(-r) : "none");
		return r ?: -ENOENT;
	}
	return 0;
}

static int bench_write_file(const char *path, const struct bench_dwork *dw, uint32_t variant,
			    uint64_t *bytes)
{
	FILE *f = fopen(path, "we");
	struct stat st;
	int r;

	if (!f)
		return -errno;
	r = bench_write_chain(f, dw->w, BENCH_HOOK, dw->n, variant);
	if (fclose(f))
		r = r ?: -errno;
	if (!r && bytes && !stat(path, &st))
		*bytes = (uint64_t)st.st_size;
	return r;
}

static void bench_spread(double *v, size_t n, double *median, double *min, double *max)
{
	*min = *max = v[0];
	for (size_t i = 1; i < n; i++) {
		*min = v[i] < *min ? v[i] : *min;
		*max = v[i] > *max ? v[i] : *max;
	}
	*median = bench_median(v, n);
}

/* One set, update, flush cycle. */
static int bench_daemon_run(const struct bench *b, const struct bench_daemon *d, double *set_ms,
			    double *update_ms)
{
	int r;

	r = bench_cli(b, d, set_ms, "chain", "set", "--from-file", d->chain, NULL);
	r = r ?: bench_check_attached(d, "chain set");
	r = r ?: bench_cli(b, d, update_ms, "chain", "update", "--from-file", d->update, NULL);
	r = r ?: bench_check_attached(d, "chain update");
	r = r ?: bench_cli(b, d, NULL, "chain", "flush", "--name", "bench", NULL);
	return r;
}

static int bench_daemon_work(struct bench *b, const struct bench_daemon *d,
			     const struct bench_dwork *dw)
{
	double set[BENCH_MAX_RUNS], update[BENCH_MAX_RUNS];
	struct bench_drow *row;
	int r;

	if (b->ndrows == BENCH_MAX_DROWS || dw->runs > BENCH_MAX_RUNS)
		return -E2BIG;
	row = &b->drows[b->ndrows];
	*row = (struct bench_drow){ .workload = bench_work_name(dw->w),
				    .n = dw->n,
				    .runs = dw->runs };
	fprintf(stderr, "  daemon: %s n=%u, %u run%s\n", row->workload, dw->n, dw->runs,
		dw->runs > 1 ? "s" : "");
	r = bench_write_file(d->chain, dw, 0, &row->file_bytes);
	r = r ?: bench_write_file(d->update, dw, 1, NULL);
	/* bfcli's own share: parse and check, no daemon. */
	r = r
		    ?: bench_cli(b, d, &row->dry_run_ms, "chain", "set", "--from-file", d->chain,
				 "--dry-run", NULL);
	for (uint32_t i = 0; i < dw->runs && !r; i++)
		r = bench_daemon_run(b, d, &set[i], &update[i]);
	unlink(d->chain);
	unlink(d->update);
	if (r) {
		fprintf(stderr, "bf_bench: daemon: %s n=%u failed\n", row->workload, dw->n);
		return r;
	}
	bench_spread(set, dw->runs, &row->set_ms, &row->set_min_ms, &row->set_max_ms);
	bench_spread(update, dw->runs, &row->update_ms, &row->update_min_ms, &row->update_max_ms);
	b->ndrows++;
	fprintf(stderr, "  daemon: %s n=%u: dry-run %.0f ms, set %.0f ms, update %.0f ms\n",
		row->workload, dw->n, row->dry_run_ms, row->set_ms, row->update_ms);
	return 0;
}

static int bench_daemon_works(struct bench *b, const struct bench_daemon *d)
{
	static const struct bench_dwork full[] = {
		{ BENCH_RULES, 1, 5 },	     { BENCH_RULES, 10, 5 },
		{ BENCH_RULES, 100, 5 },     { BENCH_RULES, 1000, 5 },
		{ BENCH_RULES, 10000, 5 },   { BENCH_RULES, 100000, 3 },
		{ BENCH_RULES, 1000000, 1 }, { BENCH_ACL, 100, 3 },
		{ BENCH_ACL, 1000, 3 },	     { BENCH_ACL, 10000, 3 },
		{ BENCH_SET, 10000, 3 },     { BENCH_PREFIX_SET, 10000, 3 },
		{ BENCH_SET, 1000000, 1 },   { BENCH_PREFIX_SET, 1000000, 1 },
	};
	static const struct bench_dwork quick[] = {
		{ BENCH_RULES, 1, 3 },
		{ BENCH_RULES, 10000, 3 },
		{ BENCH_ACL, 10000, 1 },
		{ BENCH_SET, 10000, 1 },
		{ BENCH_PREFIX_SET, 10000, 1 },
	};
	const struct bench_dwork *works = b->quick ? quick : full;
	size_t n = b->quick ? ARRAY_SIZE(quick) : ARRAY_SIZE(full);
	int r = 0;

	for (size_t i = 0; i < n && !r; i++) {
		if (works[i].n <= b->max_n)
			r = bench_daemon_work(b, d, &works[i]);
	}
	return r;
}

int bench_daemon_all(struct bench *b)
{
	struct bench_daemon d = { .home_ns = -1 };
	int r;

	fprintf(stderr, "bf_bench: daemon measurements (%s/bpfilter, %s/bfcli)\n", b->bin_dir,
		b->bin_dir);
	r = bench_paths(&d);
	if (r)
		return r;
	bench_active = &d;
	bench_catch_signals(bench_on_signal);
	r = bench_netns_enter(b, &d);
	r = r ?: bench_daemon_start(b, &d);
	r = r ?: bench_daemon_works(b, &d);
	bench_daemon_stop(&d);
	bench_catch_signals(SIG_DFL);
	bench_active = NULL;
	return r;
}
