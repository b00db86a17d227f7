// SPDX-License-Identifier: GPL-2.0-only
/* Helpers of the namespace and BPF token tests (ns_util.h). */
#include "ns_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/helper.h"

#define NSU_NETNS_DIR "/var/run/netns"

static unsigned int nsu_next_id;


char *nsu_output(const char *fmt, ...)
{
	char line[512], *buf;
	size_t len = 0, cap = 4096;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	strncat(line, " 2>&1", sizeof(line) - strlen(line) - 1);
	buf = calloc(1, cap);
	f = buf ? popen(line, "r") : NULL;
	if (!f) {
		free(buf);
		return NULL;
	}
	while (len < cap - 1) {
		size_t n = fread(buf + len, 1, cap - 1 - len, f);

		if (!n)
			break;
		len += n;
	}
	pclose(f);
	if (bf_test_verbose())
		fprintf(stderr, "  + %s\n%s", line, buf);
	return buf;
}

static int nsu_setns_path(const char *path, int type)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, type))
		return -errno;
	return 0;
}

int nsu_enter_netns(const void *arg)
{
	char path[128];

	snprintf(path, sizeof(path), NSU_NETNS_DIR "/%s", (const char *)arg);
	return nsu_setns_path(path, CLONE_NEWNET);
}

/* Enter the user namespace of @pid, unless it is ours already (setns()
 * refuses to enter one's own). */
static int nsu_enter_userns(pid_t pid)
{
	struct stat self, other;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	if (stat("/proc/self/ns/user", &self) || stat(path, &other))
		return -errno;
	if (self.st_dev == other.st_dev && self.st_ino == other.st_ino)
		return 0;
	return nsu_setns_path(path, CLONE_NEWUSER);
}

int nsu_enter_pid_ns(const void *arg)
{
	pid_t pid = *(const pid_t *)arg;
	char net[64], mnt[64];
	int r;

	snprintf(net, sizeof(net), "/proc/%d/ns/net", pid);
	snprintf(mnt, sizeof(mnt), "/proc/%d/ns/mnt", pid);
	r = nsu_enter_userns(pid);
	r = r ?: nsu_setns_path(net, CLONE_NEWNET);
	return r ?: nsu_setns_path(mnt, CLONE_NEWNS);
}

int nsu_bfcli(const char *sock, nsu_enter_fn enter, const void *arg, struct e2e_out *out, ...)
{
	va_list ap;
	int r;

	va_start(ap, out);
	r = e2e_bfcli_va(sock, enter, arg, out, ap);
	va_end(ap);
	return r;
}

/* Does bf_selftests run as @pid? */
static bool nsu_selftests_alive(long pid)
{
	_cleanup_fclose_ FILE *f = NULL;
	char path[64], comm[32] = "";

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	return f && fgets(comm, sizeof(comm), f) && !strcmp(comm, "bf_selftests\n");
}

void nsu_remove_stale(void)
{
	static bool done;
	struct dirent *de;
	DIR *dir;

	if (done)
		return;
	done = true;
	dir = opendir("/tmp");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		long pid;

		if (strncmp(de->d_name, E2E_PREFIX "-", strlen(E2E_PREFIX "-")))
			continue;
		pid = strtol(de->d_name + strlen(E2E_PREFIX "-"), NULL, 10);
		if (pid > 0 && pid != getpid() && !nsu_selftests_alive(pid))
			e2e_cmd("rm -rf /tmp/%s", de->d_name);
	}
	closedir(dir);
}

unsigned int nsu_unused_ifindex(void)
{
	char name[IF_NAMESIZE];
	unsigned int idx = 4000 + (unsigned int)getpid() % 4000;

	while (if_indextoname(idx, name))
		idx++;
	return idx;
}

static int nsu_pair_create(struct nsu_pair *p, unsigned int ifindex)
{
	char index[32] = "";
	int r;

	if (ifindex)
		snprintf(index, sizeof(index), " index %u", ifindex);
	if (e2e_cmd("ip netns add %s", p->a.name))
		return -EIO;
	p->created = true;
	if (e2e_cmd("ip netns add %s", p->b.name))
		return -EIO;
	r = e2e_cmd("ip -n %s link add name %s%s type veth peer name %s netns %s", p->a.name,
		    p->a.ns_if, index, p->b.ns_if, p->b.name);
	r = r ?: e2e_cmd("ip -n %s addr add %s/24 dev %s", p->a.name, p->a.ns4, p->a.ns_if);
	r = r ?: e2e_cmd("ip -n %s addr add %s/24 dev %s", p->b.name, p->b.ns4, p->b.ns_if);
	r = r ?: e2e_cmd("ip -n %s link set lo up", p->a.name);
	r = r ?: e2e_cmd("ip -n %s link set lo up", p->b.name);
	r = r ?: e2e_cmd("ip -n %s link set %s up", p->a.name, p->a.ns_if);
	r = r ?: e2e_cmd("ip -n %s link set %s up", p->b.name, p->b.ns_if);
	return r ? -EIO : 0;
}

/* a.ns_if's index, seen from inside A. */
static unsigned int nsu_ifindex_in(const char *netns, const char *ifname)
{
	_cleanup_free_ char *out = nsu_output("ip -n %s -o link show dev %s", netns, ifname);
	unsigned int idx = 0;

	if (out && sscanf(out, "%u:", &idx) != 1)
		idx = 0;
	return idx;
}

bool nsu_pair_setup(struct nsu_pair *p, unsigned int ifindex, bool twin)
{
	unsigned int id = ++nsu_next_id;
	int r;

	memset(p, 0, sizeof(*p));
	nsu_remove_stale();
	snprintf(p->a.name, sizeof(p->a.name), E2E_PREFIX "%d_p%ua", getpid(), id);
	snprintf(p->b.name, sizeof(p->b.name), E2E_PREFIX "%d_p%ub", getpid(), id);
	snprintf(p->a.ns_if, sizeof(p->a.ns_if), E2E_PREFIX "%d_p%ua", getpid(), id);
	snprintf(p->b.ns_if, sizeof(p->b.ns_if), E2E_PREFIX "%d_p%ub", getpid(), id);
	snprintf(p->a.ns4, sizeof(p->a.ns4), "10.215.0.1");
	snprintf(p->b.ns4, sizeof(p->b.ns4), "10.215.0.2");

	r = nsu_pair_create(p, ifindex);
	if (!ASSERT_OK(r, "creating two namespaces and a veth pair between them"))
		return false;
	p->a_ifindex = nsu_ifindex_in(p->a.name, p->a.ns_if);
	if (!ASSERT_TRUE(p->a_ifindex && (!ifindex || p->a_ifindex == ifindex),
			 "%s has index %u in %s, expected %u", p->a.ns_if, p->a_ifindex, p->a.name,
			 ifindex))
		return false;
	if (!twin)
		return true;
	/* veth: this kernel has no dummy driver. */
	snprintf(p->twin, sizeof(p->twin), "%s", p->a.ns_if);
	r = e2e_cmd("ip link add %s type veth peer name " E2E_PREFIX "%d_p%ut", p->twin, getpid(),
		    id);
	p->has_twin = !r;
	r = r ?: e2e_cmd("ip link set %s up", p->twin);
	return ASSERT_OK(r, "creating the root namespace's twin interface") &&
	       ASSERT_TRUE(if_nametoindex(p->twin) != p->a_ifindex,
			   "the twin %s has the same index as in %s", p->twin, p->a.name);
}

void nsu_pair_teardown(struct nsu_pair *p)
{
	if (p->has_twin)
		e2e_cmd("ip link del %s", p->twin);
	if (p->created) {
		e2e_cmd("ip netns del %s", p->a.name);
		e2e_cmd("ip netns del %s", p->b.name);
	}
	p->has_twin = p->created = false;
}

bool nsu_has_xdp(const char *netns, const char *ifname)
{
	_cleanup_free_ char *out = netns ? nsu_output("ip -n %s -o link show dev %s", netns, ifname)
					 : nsu_output("ip -o link show dev %s", ifname);

	/* "xdp", "xdpgeneric", "xdpdrv", "xdpoffload" */
	return out && strstr(out, " xdp");
}

bool nsu_bpftool_net_has(const char *netns, const char *ifname, const char *prog)
{
	_cleanup_free_ char *out =
		netns ? nsu_output("ip netns exec %s bpftool net show dev %s", netns, ifname)
		      : nsu_output("bpftool net show dev %s", ifname);

	return out && strstr(out, prog);
}
