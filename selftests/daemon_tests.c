// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's life: its flags, one daemon per run directory (and what a
 * killed one leaves behind), what it removes when it stops, --no-cli, its
 * systemd unit and readiness notification.
 *
 * Each test runs its daemons in a private world: a run directory under
 * /tmp/bf-selftest-<pid>-daemon-XXXXXX/ and a bpffs mounted there, so that
 * nothing it checks is shared with another daemon on the machine. The
 * world is torn down (daemons killed, bpffs unmounted, files removed)
 * however the test ends.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/opts.h"
#include "e2e.h"
#include "lib/client.h"
#include "lib/helper.h"
#include "lib/request.h"

/* Generous: a daemon is ready or gone in well under 100 ms here. */
#define DT_START_MS 3000
#define DT_STOP_MS 3000
#define DT_RUN_MS 3000
#define DT_MAX_DAEMONS 4
#define DT_MAX_ARGS 32

/* Small enough for the compiler to see every path built from them fits. */
#define DT_BASE_MAX 48
#define DT_DIR_MAX 64

struct dt_daemon {
	pid_t pid; /* 0 once reaped */
	char log[PATH_MAX];
	char sock[108]; /* as struct e2e_daemon's */
};

struct dt_env {
	int nfailures_at_start;
	char base[DT_BASE_MAX];	  /* removed with everything in it */
	char run_dir[DT_DIR_MAX]; /* base/run, not created: the daemon does */
	char bpffs[DT_DIR_MAX];	  /* base/bpffs, a bpffs mount */
	bool mounted;
	size_t ndaemons;
	struct dt_daemon daemons[DT_MAX_DAEMONS];
};

/* ---------------------------------------------------------------------
 * Processes
 */

static long long dt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void dt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}


/*
 * Run @argv with stdout on @ofd and stderr on @efd; $NOTIFY_SOCKET set to
 * @notify, or unset so that a bf_selftests run under systemd does not lend
 * its own to our daemons.
 */
static pid_t dt_spawn(char *const argv[], int ofd, int efd, const char *notify)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	int null;

	if (pid)
		return pid;
	/* SIGTERM: a daemon left by a killed run stops as it should. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (getppid() != parent || null < 0)
		_exit(127);
	dup2(null, STDIN_FILENO);
	dup2(ofd, STDOUT_FILENO);
	dup2(efd, STDERR_FILENO);
	if (notify)
		setenv("NOTIFY_SOCKET", notify, 1);
	else
		unsetenv("NOTIFY_SOCKET");
	execv(argv[0], argv);
	fprintf(stderr, "daemon_tests: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static char *dt_read_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return NULL;
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		char *p;

		len += (size_t)n;
		if (cap - len > 1)
			continue;
		p = realloc(buf, cap * 2);
		if (!p)
			break;
		buf = p;
		cap *= 2;
	}
	buf[len] = '\0';
	return buf;
}

/* Run @argv to completion (DT_RUN_MS at most): its status and output. */
static int dt_run(char *const argv[], struct e2e_out *out)
{
	_cleanup_close_ int ofd = memfd_create("dt-out", MFD_CLOEXEC);
	_cleanup_close_ int efd = memfd_create("dt-err", MFD_CLOEXEC);
	pid_t pid;

	e2e_out_clean(out);
	if (ofd < 0 || efd < 0)
		return out->status;
	pid = dt_spawn(argv, ofd, efd, NULL);
	if (pid < 0)
		return out->status;
	out->status = e2e_reap(pid, DT_RUN_MS);
	out->out = dt_read_fd(ofd);
	out->err = dt_read_fd(efd);
	if (bf_test_verbose())
		fprintf(stderr, "  $ %s %s ... -> %d\n%s%s", argv[0], argv[1] ? argv[1] : "",
			out->status, out->out ? out->out : "", out->err ? out->err : "");
	return out->status;
}

/* "bpfilter ARGS...": the arguments end with NULL. */
static int dt_bpfilter(struct e2e_out *out, ...) __attribute__((sentinel));
static int dt_bpfilter(struct e2e_out *out, ...)
{
	char *argv[DT_MAX_ARGS];
	size_t argc = 0;
	va_list ap;

	argv[argc++] = (char *)e2e_bin("bpfilter");
	va_start(ap, out);
	for (char *a = va_arg(ap, char *); a && argc < DT_MAX_ARGS - 1; a = va_arg(ap, char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return dt_run(argv, out);
}

/* ---------------------------------------------------------------------
 * The private world
 */

static int dt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void dt_rm_rf(const char *path)
{
	/* FTW_MOUNT: never into a mount left behind, such as a bpffs that
	 * could not be unmounted. */
	nftw(path, dt_rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static bool dt_exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* Is @name one of the files a new bpffs comes with? (The kernel's
 * bpf_preload puts its iterators there.) */
static bool dt_bpffs_own(const char *name)
{
	return !strcmp(name, "maps.debug") || !strcmp(name, "progs.debug");
}

/*
 * Entries in directory @path besides "." and ".." and, in a bpffs, those it
 * was created with; -1 if it can't be read. Each one is named with -v.
 */
static int dt_count_entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    dt_bpffs_own(de->d_name))
			continue;
		if (bf_test_verbose())
			fprintf(stderr, "  %s/%s\n", path, de->d_name);
		n++;
	}
	closedir(dir);
	return n;
}

static void dt_env_teardown(struct dt_env *env)
{
	bool failed = e2e_nfailures != env->nfailures_at_start;

	for (size_t i = 0; i < env->ndaemons; i++) {
		struct dt_daemon *d = &env->daemons[i];

		if (d->pid) {
			kill(d->pid, SIGKILL);
			e2e_reap(d->pid, DT_STOP_MS);
			d->pid = 0;
		}
		if (failed || bf_test_verbose())
			e2e_print_log(d->log);
	}
	env->ndaemons = 0;
	if (env->mounted && umount2(env->bpffs, MNT_DETACH))
		fprintf(stderr, "  daemon_tests: cannot unmount %s: %s\n", env->bpffs,
			strerror(errno));
	env->mounted = false;
	if (env->base[0])
		dt_rm_rf(env->base);
	env->base[0] = '\0';
}
#define _cleanup_dt_env_ __attribute__((cleanup(dt_env_teardown)))

static bool dt_env_setup(struct dt_env *env)
{
	env->nfailures_at_start = e2e_nfailures;
	if (geteuid()) {
		bf_test_skip("must run as root");
		return false;
	}
	snprintf(env->base, sizeof(env->base), "/tmp/bf-selftest-%d-daemon-XXXXXX", getpid());
	if (!ASSERT_TRUE(mkdtemp(env->base), "mkdtemp: %s", strerror(errno))) {
		env->base[0] = '\0';
		return false;
	}
	snprintf(env->run_dir, sizeof(env->run_dir), "%s/run", env->base);
	snprintf(env->bpffs, sizeof(env->bpffs), "%s/bpffs", env->base);
	if (!ASSERT_OK(mkdir(env->bpffs, 0700), "mkdir bpffs"))
		return false;
	env->mounted = !mount("bpffs", env->bpffs, "bpf", 0, "mode=0700");
	return ASSERT_TRUE(env->mounted, "mounting a bpffs on %s: %s", env->bpffs, strerror(errno));
}

/*
 * Start "bpfilter --run-dir RUN --bpffs-path BPFFS -v debug ARGS..." (the
 * arguments end with NULL), its socket in RUN unless ARGS has --socket,
 * without waiting for it.
 */
static struct dt_daemon *dt_start_va(struct dt_env *env, const char *notify, va_list ap)
{
	struct dt_daemon *d = &env->daemons[env->ndaemons];
	_cleanup_close_ int log = -1;
	char *argv[DT_MAX_ARGS];
	size_t argc = 0;

	if (!ASSERT_TRUE(env->ndaemons < DT_MAX_DAEMONS, "too many daemons"))
		return NULL;
	snprintf(d->log, sizeof(d->log), "%s/daemon-%zu.log", env->base, env->ndaemons);
	snprintf(d->sock, sizeof(d->sock), "%s/daemon.sock", env->run_dir);
	argv[argc++] = (char *)e2e_bin("bpfilter");
	argv[argc++] = "--run-dir";
	argv[argc++] = env->run_dir;
	argv[argc++] = "--bpffs-path";
	argv[argc++] = env->bpffs;
	argv[argc++] = "-v";
	argv[argc++] = "debug";
	for (char *a = va_arg(ap, char *); a && argc < DT_MAX_ARGS - 1; a = va_arg(ap, char *)) {
		argv[argc++] = a;
		if (!strcmp(a, "--socket") && argc < DT_MAX_ARGS - 2) {
			a = va_arg(ap, char *);
			snprintf(d->sock, sizeof(d->sock), "%s", a);
			argv[argc++] = a;
		}
	}
	argv[argc] = NULL;

	log = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!ASSERT_TRUE(log >= 0, "creating %s: %s", d->log, strerror(errno)))
		return NULL;
	d->pid = dt_spawn(argv, log, log, notify);
	if (!ASSERT_TRUE(d->pid > 0, "fork: %s", strerror(errno))) {
		d->pid = 0;
		return NULL;
	}
	env->ndaemons++;
	return d;
}

/* Wait until @d answers on its socket. */
static bool dt_wait_ready(struct dt_daemon *d)
{
	long long deadline = dt_now_ms() + DT_START_MS;
	int status;

	while (dt_now_ms() < deadline) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return ASSERT_TRUE(false, "the daemon exited at start (%s %d)",
					   WIFEXITED(status) ? "status" : "signal",
					   WIFEXITED(status) ? WEXITSTATUS(status)
							     : WTERMSIG(status));
		}
		if (!bf_client_ping(d->sock))
			return true;
		dt_sleep_ms(5);
	}
	return ASSERT_TRUE(false, "the daemon does not answer on %s", d->sock);
}

/* Start a daemon (arguments as dt_start_va()) and wait until it answers. */
static struct dt_daemon *dt_start(struct dt_env *env, ...) __attribute__((sentinel));
static struct dt_daemon *dt_start(struct dt_env *env, ...)
{
	struct dt_daemon *d;
	va_list ap;

	va_start(ap, env);
	d = dt_start_va(env, NULL, ap);
	va_end(ap);
	return d && dt_wait_ready(d) ? d : NULL;
}

/* Start a daemon with $NOTIFY_SOCKET=@notify, without waiting for it. */
static struct dt_daemon *dt_start_notify(struct dt_env *env, const char *notify, ...)
	__attribute__((sentinel));
static struct dt_daemon *dt_start_notify(struct dt_env *env, const char *notify, ...)
{
	struct dt_daemon *d;
	va_list ap;

	va_start(ap, notify);
	d = dt_start_va(env, notify, ap);
	va_end(ap);
	return d;
}

/* SIGTERM, wait: the exit status, -1 if it had to be killed. */
static int dt_stop(struct dt_daemon *d)
{
	int status;

	if (!d->pid)
		return -1;
	kill(d->pid, SIGTERM);
	status = e2e_reap(d->pid, DT_STOP_MS);
	d->pid = 0;
	return status;
}

static void dt_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* ---------------------------------------------------------------------
 * Flags
 */

static const char *const dt_flags[] = {
	"-t, --transient", "-v, --verbose=",   "--bpffs-path", "--run-dir",
	"--socket",	   "--with-bpf-token", "--no-cli",     "--no-iptables",
	"--no-nftables",   "--usage",	       "-?, --help",
};

/* --help and -? print every flag, on stdout, and exit 0. */
BF_TEST(daemon_help)
{
	_cleanup_e2e_out_ struct e2e_out help = { .status = -1 };
	_cleanup_e2e_out_ struct e2e_out qmark = { .status = -1 };

	dt_bpfilter(&help, "--help", NULL);
	if (!ASSERT_EQ(help.status, 0, "bpfilter --help exit status"))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(dt_flags); i++)
		ASSERT_TRUE(e2e_contains(help.out, dt_flags[i]), "--help lacks '%s':\n%s",
			    dt_flags[i], help.out);
	ASSERT_TRUE(!*help.err, "--help wrote to stderr: %s", help.err);

	dt_bpfilter(&qmark, "-?", NULL);
	ASSERT_EQ(qmark.status, 0, "bpfilter -? exit status");
	ASSERT_TRUE(qmark.out && !strcmp(qmark.out, help.out), "-? differs from --help:\n%s",
		    qmark.out);
}

/* --usage: a few lines naming the flags, exit 0. */
BF_TEST(daemon_usage)
{
	_cleanup_e2e_out_ struct e2e_out usage = { .status = -1 };
	_cleanup_e2e_out_ struct e2e_out help = { .status = -1 };
	size_t lines = 0;

	dt_bpfilter(&usage, "--usage", NULL);
	dt_bpfilter(&help, "--help", NULL);
	if (!ASSERT_EQ(usage.status, 0, "bpfilter --usage exit status"))
		return;
	ASSERT_TRUE(!strncmp(usage.out, "Usage: bpfilter", 15), "--usage: '%s'", usage.out);
	for (const char *p = usage.out; *p; p++)
		lines += *p == '\n';
	ASSERT_TRUE(lines > 0 && lines <= 5, "--usage prints %zu lines", lines);
	ASSERT_TRUE(help.out && strlen(usage.out) < strlen(help.out),
		    "--usage is not shorter than --help");
	ASSERT_TRUE(e2e_contains(usage.out, "--run-dir") && e2e_contains(usage.out, "--no-cli"),
		    "--usage does not name the flags: %s", usage.out);
}

/* A bad command line: one line on stderr naming the culprit, exit 1,
 * before anything is created. */
BF_TEST(daemon_bad_flags)
{
	static const struct {
		const char *args[2];
		const char *needle;
	} cases[] = {
		{ { "--bogus" }, "unknown or ambiguous option '--bogus'" },
		{ { "--bogus=1" }, "'--bogus'" },
		{ { "--no" }, "'--no'" }, /* --no-cli, --no-iptables, --no-nftables */
		{ { "-x" }, "unknown option '-x'" },
		{ { "-tx" }, "unknown option '-x'" },
		{ { "-v", "nope" }, "unknown verbose flag 'nope'" },
		{ { "--verbose=nope" }, "unknown verbose flag 'nope'" },
		{ { "-v" }, "option '-v' needs an argument" },
		{ { "--socket" }, "option '--socket' needs an argument" },
		{ { "--transient=yes" }, "option '--transient' takes no argument" },
		{ { "--run-dir=" }, "--run-dir" },
		{ { "extra" }, "unexpected argument 'extra'" },
	};
	_cleanup_dt_env_ struct dt_env env = {};

	if (!dt_env_setup(&env))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_e2e_out_ struct e2e_out out = { .status = -1 };
		const char *arg = cases[i].args[0];

		/* The private run directory first: should a bad flag be
		 * accepted, the daemon runs there, not in /run/bpfilter. */
		dt_bpfilter(&out, "--run-dir", env.run_dir, "--bpffs-path", env.bpffs,
			    cases[i].args[0], cases[i].args[1], NULL);
		ASSERT_EQ(out.status, 1, arg);
		ASSERT_TRUE(e2e_one_line(out.err), "%s: stderr is not one line: '%s'", arg,
			    out.err);
		ASSERT_TRUE(e2e_contains(out.err, cases[i].needle), "%s: stderr lacks '%s': '%s'",
			    arg, cases[i].needle, out.err);
		ASSERT_TRUE(out.out && !*out.out, "%s: wrote to stdout: '%s'", arg, out.out);
	}
	ASSERT_TRUE(!dt_exists(env.run_dir), "a bad command line created the run directory");
}

/* The parser itself: defaults, every flag, both verbose forms. */
BF_TEST(daemon_opts_parse)
{
	char *defaults[] = { "bpfilter", NULL };
	char *all[] = { "bpfilter",
			"-t",
			"-v",
			"debug",
			"-v=bpf",
			"--verbose=bytecode",
			"--bpffs-path",
			"/b//",
			"--run-dir",
			"/r/",
			"--with-bpf-token",
			"--no-cli",
			"--no-iptables",
			"--no-nftables",
			NULL };
	char *sock[] = { "bpfilter", "--run-dir=/r", "--socket=/s.sock", "-vdebug", NULL };
	struct bf_daemon_opts o;

	if (!ASSERT_OK(bf_opts_parse(ARRAY_SIZE(defaults) - 1, defaults, &o), "no flags"))
		return;
	ASSERT_TRUE(!o.transient && !o.verbose && !o.with_bpf_token && !o.no_cli &&
			    !o.no_iptables && !o.no_nftables,
		    "defaults: a flag is set");
	ASSERT_TRUE(!strcmp(o.run_dir, "/run/bpfilter"), "default run dir: %s", o.run_dir);
	ASSERT_TRUE(!strcmp(o.socket, "/run/bpfilter/daemon.sock"), "default socket: %s", o.socket);
	ASSERT_TRUE(!strcmp(o.bpffs_path, "/sys/fs/bpf"), "default bpffs: %s", o.bpffs_path);

	if (!ASSERT_OK(bf_opts_parse(ARRAY_SIZE(all) - 1, all, &o), "every flag"))
		return;
	ASSERT_TRUE(o.transient && o.with_bpf_token && o.no_cli && o.no_iptables && o.no_nftables,
		    "every flag: a flag is not set");
	ASSERT_EQ(o.verbose, BF_VERBOSE_DEBUG | BF_VERBOSE_BPF | BF_VERBOSE_BYTECODE,
		  "verbose flags");
	ASSERT_TRUE(!strcmp(o.run_dir, "/r"), "run dir: %s", o.run_dir);
	ASSERT_TRUE(!strcmp(o.socket, "/r/daemon.sock"), "socket in the run dir: %s", o.socket);
	ASSERT_TRUE(!strcmp(o.bpffs_path, "/b"), "bpffs: %s", o.bpffs_path);

	if (!ASSERT_OK(bf_opts_parse(ARRAY_SIZE(sock) - 1, sock, &o), "--socket"))
		return;
	ASSERT_TRUE(!strcmp(o.run_dir, "/r"), "run dir: %s", o.run_dir);
	ASSERT_TRUE(!strcmp(o.socket, "/s.sock"), "socket: %s", o.socket);
	ASSERT_EQ(o.verbose, BF_VERBOSE_DEBUG, "-vdebug");
}

/* ---------------------------------------------------------------------
 * One daemon per run directory
 */

/* The lock file: "PID\nSOCKET\n". */
static bool dt_check_lock(const struct dt_env *env, const struct dt_daemon *d)
{
	char path[PATH_MAX], want[PATH_MAX + 32], got[PATH_MAX + 32] = "";
	_cleanup_close_ int fd = -1;
	ssize_t n;

	dt_path(path, sizeof(path), env->run_dir, "daemon.lock");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!ASSERT_TRUE(fd >= 0, "opening %s: %s", path, strerror(errno)))
		return false;
	n = read(fd, got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "%d\n%s\n", (int)d->pid, d->sock);
	return ASSERT_TRUE(!strcmp(got, want), "%s holds '%s', expected '%s'", path, got, want);
}

/* A second daemon on the same run directory refuses to start, naming the
 * first; so does one on another run directory but the same socket. The
 * first one is not disturbed. */
BF_TEST(daemon_second_refused)
{
	_cleanup_e2e_out_ struct e2e_out out = { .status = -1 };
	_cleanup_dt_env_ struct dt_env env = {};
	char pid[32], other_run[PATH_MAX], other_sock[PATH_MAX];
	struct dt_daemon *first;

	if (!dt_env_setup(&env))
		return;
	first = dt_start(&env, "--transient", NULL);
	if (!first || !dt_check_lock(&env, first))
		return;
	snprintf(pid, sizeof(pid), "pid %d", (int)first->pid);

	dt_bpfilter(&out, "--transient", "--run-dir", env.run_dir, "--bpffs-path", env.bpffs, NULL);
	ASSERT_EQ(out.status, 1, "second daemon's exit status");
	ASSERT_TRUE(e2e_one_line(out.err), "second daemon: not one line: '%s'", out.err);
	ASSERT_TRUE(e2e_contains(out.err, pid) && e2e_contains(out.err, first->sock),
		    "second daemon does not name '%s' and %s: '%s'", pid, first->sock, out.err);

	/* The lock is the run directory's, whatever the socket. */
	dt_path(other_sock, sizeof(other_sock), env.base, "other.sock");
	dt_bpfilter(&out, "--transient", "--run-dir", env.run_dir, "--bpffs-path", env.bpffs,
		    "--socket", other_sock, NULL);
	ASSERT_EQ(out.status, 1, "second daemon (other socket): exit status");
	ASSERT_TRUE(e2e_contains(out.err, pid), "other socket: '%s'", out.err);
	ASSERT_TRUE(!dt_exists(other_sock), "the refused daemon created %s", other_sock);

	/* Another run directory, the same socket: the socket says no. */
	dt_path(other_run, sizeof(other_run), env.base, "other-run");
	dt_bpfilter(&out, "--transient", "--run-dir", other_run, "--bpffs-path", env.bpffs,
		    "--socket", first->sock, NULL);
	ASSERT_EQ(out.status, 1, "second daemon (other run dir): exit status");
	ASSERT_TRUE(e2e_contains(out.err, first->sock), "other run dir: '%s'", out.err);
	ASSERT_TRUE(!dt_exists(other_run), "the refused daemon left %s behind", other_run);

	ASSERT_OK(bf_client_ping(first->sock), "the first daemon still answers");
	dt_check_lock(&env, first);
	ASSERT_EQ(dt_stop(first), 0, "first daemon's exit status");
}

/* kill -9 leaves the lock file and the socket: neither blocks the next
 * daemon. */
BF_TEST(daemon_kill9_restart)
{
	_cleanup_dt_env_ struct dt_env env = {};
	struct dt_daemon *first, *second;
	char lock[PATH_MAX];

	if (!dt_env_setup(&env))
		return;
	first = dt_start(&env, "--transient", NULL);
	if (!first)
		return;
	kill(first->pid, SIGKILL);
	e2e_reap(first->pid, DT_STOP_MS);
	first->pid = 0;
	dt_path(lock, sizeof(lock), env.run_dir, "daemon.lock");
	ASSERT_TRUE(dt_exists(lock) && dt_exists(first->sock),
		    "kill -9 left no stale lock and socket to test with");

	second = dt_start(&env, "--transient", NULL);
	if (!second)
		return;
	dt_check_lock(&env, second);
	ASSERT_EQ(dt_stop(second), 0, "second daemon's exit status");
}

/* ---------------------------------------------------------------------
 * What a stopping daemon leaves
 */

/* --transient with a chain loaded and attached: once stopped, no file of
 * its own is left, in its run directory (removed, as the daemon made it)
 * nor in the bpffs. */
BF_TEST(daemon_transient_cleanup)
{
	_cleanup_e2e_out_ struct e2e_out out = { .status = -1 };
	_cleanup_dt_env_ struct dt_env env = {};
	struct e2e_daemon cli = {};
	struct dt_daemon *d;
	char text[512];
	int prio = 50000 + getpid() % 10000 * 2;

	if (!dt_env_setup(&env))
		return;
	d = dt_start(&env, "--transient", NULL);
	if (!d)
		return;
	snprintf(cli.sock, sizeof(cli.sock), "%s", d->sock);
	snprintf(text, sizeof(text),
		 "chain dt_transient BF_HOOK_NF_LOCAL_IN{family=inet4,priorities=%d-%d} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40999\n"
		 "        counter\n"
		 "        ACCEPT\n",
		 prio, prio + 1);
	e2e_bfcli(&cli, &out, "chain", "set", "--from-str", text, NULL);
	ASSERT_BFCLI_OK(&out, "chain set");
	ASSERT_EQ(dt_stop(d), 0, "exit status");
	ASSERT_TRUE(!dt_exists(env.run_dir), "%s is left (%d entries)", env.run_dir,
		    dt_count_entries(env.run_dir));
	ASSERT_EQ(dt_count_entries(env.bpffs), 0, "entries left in the bpffs");

	/* A run directory that was there before stays, empty. */
	if (!ASSERT_OK(mkdir(env.run_dir, 0700), "mkdir run dir"))
		return;
	d = dt_start(&env, "--transient", NULL);
	if (!d)
		return;
	ASSERT_EQ(dt_stop(d), 0, "exit status (existing run dir)");
	ASSERT_EQ(dt_count_entries(env.run_dir), 0, "entries left in the existing run dir");
}

/* Persistent mode: the socket and the lock go, the run directory (which
 * holds the state) stays. */
BF_TEST(daemon_persistent_exit)
{
	_cleanup_dt_env_ struct dt_env env = {};
	struct dt_daemon *d;
	char lock[PATH_MAX];

	if (!dt_env_setup(&env))
		return;
	d = dt_start(&env, NULL);
	if (!d)
		return;
	ASSERT_EQ(dt_stop(d), 0, "exit status");
	dt_path(lock, sizeof(lock), env.run_dir, "daemon.lock");
	ASSERT_TRUE(!dt_exists(d->sock), "the socket is left");
	ASSERT_TRUE(!dt_exists(lock), "the lock file is left");
	ASSERT_TRUE(dt_exists(env.run_dir), "the run directory is gone");
}

/* ---------------------------------------------------------------------
 * --no-cli
 */

BF_TEST(daemon_no_cli)
{
	_cleanup_e2e_out_ struct e2e_out out = { .status = -1 };
	_cleanup_dt_env_ struct dt_env env = {};
	struct e2e_daemon cli = {};
	struct dt_daemon *d;

	if (!dt_env_setup(&env))
		return;
	d = dt_start(&env, "--transient", "--no-cli", NULL);
	if (!d)
		return;
	snprintf(cli.sock, sizeof(cli.sock), "%s", d->sock);
	e2e_bfcli(&cli, &out, "ruleset", "get", NULL);
	ASSERT_BFCLI_FAILS(&out, "--no-cli", "ruleset get");
	e2e_bfcli(&cli, &out, "chain", "set", "--from-str",
		  "chain dt_no_cli BF_HOOK_NF_LOCAL_IN ACCEPT\n", NULL);
	ASSERT_BFCLI_FAILS(&out, "--no-cli", "chain set");
	ASSERT_EQ(dt_stop(d), 0, "exit status");
}

/* ---------------------------------------------------------------------
 * systemd
 */

/* The source tree: the Makefile above the build directory our binaries
 * are in (BUILD/bin/bf_selftests). */
static bool dt_source_tree(char *src, size_t src_len, char *build, size_t build_len)
{
	char bin[PATH_MAX], unit[PATH_MAX + 64];

	snprintf(bin, sizeof(bin), "%s", e2e_bin("bpfilter"));
	snprintf(build, build_len, "%s", dirname(dirname(bin)));
	snprintf(bin, sizeof(bin), "%s", build);
	snprintf(src, src_len, "%s", dirname(bin));
	dt_path(unit, sizeof(unit), src, "userspace/daemon/bpfilter.service");
	return dt_exists(unit);
}

/* "make install" without building: the binaries are those we run. */
static int dt_make_install(const char *src, const char *build, const char *destdir,
			   const char *prefix)
{
	_cleanup_e2e_out_ struct e2e_out out = { .status = -1 };
	char bvar[PATH_MAX + 8], dvar[PATH_MAX + 8], pvar[PATH_MAX + 8];
	char *argv[] = { "/usr/bin/make", "-s", "-C", (char *)src, "-o", "all",
			 "install",	  bvar, dvar, pvar,	   NULL };

	snprintf(bvar, sizeof(bvar), "BUILD=%s", build);
	snprintf(dvar, sizeof(dvar), "DESTDIR=%s", destdir);
	snprintf(pvar, sizeof(pvar), "PREFIX=%s", prefix);
	/* Run from "make check": its jobserver's descriptors are not ours
	 * to inherit. */
	unsetenv("MAKEFLAGS");
	unsetenv("MFLAGS");
	unsetenv("MAKELEVEL");
	dt_run(argv, &out);
	ASSERT_TRUE(out.status == 0, "make install %s %s: exit %d: %s", dvar, pvar, out.status,
		    out.err);
	return out.status;
}

static char *dt_read_file(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? NULL : dt_read_fd(fd);
}

/* make install puts the unit in PREFIX/lib/systemd/system, @PREFIX@
 * replaced, and systemd-analyze verify finds nothing to say about it. */
BF_TEST(daemon_systemd_unit)
{
	_cleanup_e2e_out_ struct e2e_out out = { .status = -1 };
	_cleanup_dt_env_ struct dt_env env = {};
	char src[PATH_MAX], build[PATH_MAX], dest[PATH_MAX], prefix[PATH_MAX];
	char unit[PATH_MAX * 2], exec[PATH_MAX + 32];
	char *argv[] = { "/usr/bin/systemd-analyze", "verify", unit, NULL };
	_cleanup_free_ char *text = NULL;

	if (!dt_env_setup(&env))
		return;
	if (!dt_source_tree(src, sizeof(src), build, sizeof(build))) {
		bf_test_skip("no source tree above %s", build);
		return;
	}
	if (!dt_exists(argv[0])) {
		bf_test_skip("systemd-analyze is not installed (Debian: systemd)");
		return;
	}

	/* DESTDIR: the unit points at PREFIX, not DESTDIR/PREFIX. */
	dt_path(dest, sizeof(dest), env.base, "dest");
	if (dt_make_install(src, build, dest, "/usr"))
		return;
	snprintf(unit, sizeof(unit), "%s/usr/lib/systemd/system/bpfilter.service", dest);
	text = dt_read_file(unit);
	if (!ASSERT_TRUE(text, "%s not installed", unit))
		return;
	ASSERT_TRUE(e2e_contains(text, "\nExecStart=/usr/bin/bpfilter\n"),
		    "ExecStart is not /usr/bin/bpfilter");
	ASSERT_TRUE(!e2e_contains(text, "@PREFIX@"), "@PREFIX@ left in the unit");
	ASSERT_TRUE(e2e_contains(text, "\nType=notify\n"), "not Type=notify");

	/* A prefix where the daemon really is, or verify complains. */
	dt_path(prefix, sizeof(prefix), env.base, "prefix");
	if (dt_make_install(src, build, "", prefix))
		return;
	snprintf(unit, sizeof(unit), "%s/lib/systemd/system/bpfilter.service", prefix);
	free(text);
	text = dt_read_file(unit);
	snprintf(exec, sizeof(exec), "\nExecStart=%s/bin/bpfilter\n", prefix);
	ASSERT_TRUE(e2e_contains(text, exec), "ExecStart is not %s/bin/bpfilter", prefix);

	dt_run(argv, &out);
	ASSERT_EQ(out.status, 0, "systemd-analyze verify exit status");
	ASSERT_TRUE(out.err && !*out.err && out.out && !*out.out,
		    "systemd-analyze verify %s:\n%s%s", unit, out.out, out.err);
}

/* A datagram socket standing for systemd's: a path or, with @abstract, an
 * abstract address ("@name" in $NOTIFY_SOCKET). */
static int dt_notify_open(const struct dt_env *env, bool abstract, char *name, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t alen;

	if (abstract)
		snprintf(name, len, "@bf-selftest-%d-notify", getpid());
	else
		dt_path(name, len, env->base, "notify.sock");
	if (fd < 0 || strlen(name) >= sizeof(addr.sun_path))
		return -EINVAL;
	memcpy(addr.sun_path, name, strlen(name));
	if (abstract)
		addr.sun_path[0] = '\0';
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	if (bind(fd, (struct sockaddr *)&addr, alen))
		return -errno;
	return TAKE_FD(fd);
}

/* The next datagram within @ms, in @buf ("" if none). */
static void dt_notify_recv(int fd, int ms, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = -1;

	if (poll(&p, 1, ms) == 1)
		n = recv(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

/* READY=1 and MAINPID once the socket serves requests (a request right
 * then is answered), nothing more until STOPPING=1 on SIGTERM. */
static void dt_check_notify(bool abstract)
{
	_cleanup_dt_env_ struct dt_env env = {};
	_cleanup_close_ int fd = -1;
	char name[PATH_MAX], msg[256], want[64];
	struct dt_daemon *d;

	if (!dt_env_setup(&env))
		return;
	fd = dt_notify_open(&env, abstract, name, sizeof(name));
	if (!ASSERT_TRUE(fd >= 0, "binding %s: %s", name, strerror(-fd)))
		return;
	d = dt_start_notify(&env, name, "--transient", NULL);
	if (!d)
		return;
	/* Not dt_wait_ready(): the notification is what we wait for. */
	dt_notify_recv(fd, DT_START_MS, msg, sizeof(msg));
	snprintf(want, sizeof(want), "READY=1\nMAINPID=%d", (int)d->pid);
	if (!ASSERT_TRUE(!strcmp(msg, want), "notification '%s', expected '%s'", msg, want))
		return;
	/* No retry: READY=1 promises the socket is there and served. */
	ASSERT_OK(bf_client_ping(d->sock), "a request right after READY=1");

	kill(d->pid, SIGTERM);
	dt_notify_recv(fd, DT_STOP_MS, msg, sizeof(msg));
	ASSERT_TRUE(!strcmp(msg, "STOPPING=1"), "notification '%s', expected 'STOPPING=1'", msg);
	ASSERT_EQ(e2e_reap(d->pid, DT_STOP_MS), 0, "exit status");
	d->pid = 0;
}

BF_TEST(daemon_notify)
{
	dt_check_notify(false);
}

BF_TEST(daemon_notify_abstract)
{
	dt_check_notify(true);
}
