// SPDX-License-Identifier: GPL-2.0-only
#include "token.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "lib/helper.h"
#include "log.h"
#include "tmpl.h"

/*
 * libbpf derives a token from this path again at every object load, which
 * may happen in a client's mount namespace (ns.h), with its root as the
 * working directory: the path is made absolute once.
 */
static char bf_token_bpffs[PATH_MAX];
static int bf_token = -1;

int bf_token_fd(void)
{
	return bf_token;
}

static int bf_token_fail(char *err, size_t errlen, const char *path, int r, const char *why)
{
	snprintf(err, errlen, "--with-bpf-token: cannot create a BPF token from '%s': %s", path,
		 why ? why : strerror(-r));
	return r;
}

/* Why bpf_token_create() refused the root of a bpffs, in words. */
static const char *bf_token_why(int r)
{
	switch (r) {
	case -EINVAL:
		/* The mount point was checked: the command is unknown. */
		return "this kernel does not support BPF tokens (Linux 6.9 or later is needed)";
	case -EOPNOTSUPP:
		return "a token is of no use in the initial user namespace: run the daemon in "
		       "the user namespace the bpffs was created for";
	case -ENOENT:
		return "the bpffs delegates nothing: it must be created for the daemon's user "
		       "namespace with the delegate_cmds, delegate_maps, delegate_progs and "
		       "delegate_attachs options";
	case -EPERM:
		return "the bpffs was created for another user namespace than the daemon's, or "
		       "the daemon lacks CAP_BPF in that namespace";
	default:
		return NULL;
	}
}

/* bpf_token_create() wants the root of a bpffs mount: say which part of
 * that @fd is not, rather than the kernel's bare EINVAL. */
static const char *bf_token_check_bpffs(int fd)
{
	struct statfs sfs;
	struct statx stx;

	if (fstatfs(fd, &sfs))
		return strerror(errno);
	if (sfs.f_type != BPF_FS_MAGIC)
		return "not a bpffs: mount one there, created with the delegate_* options";
	if (!statx(fd, "", AT_EMPTY_PATH, 0, &stx) &&
	    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return "a directory inside a bpffs, not the root of its mount";
	return NULL;
}

/* Create the token from the bpffs at @path (absolute). */
static int bf_token_create(const char *path, char *err, size_t errlen)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *why;
	int r;

	if (fd < 0)
		return bf_token_fail(err, errlen, path, -errno, NULL);
	why = bf_token_check_bpffs(fd);
	if (why)
		return bf_token_fail(err, errlen, path, -EINVAL, why);
	r = bpf_token_create(fd, NULL);
	if (r < 0)
		return bf_token_fail(err, errlen, path, r, bf_token_why(r));
	bf_token = r;
	return 0;
}

int bf_token_setup(const struct bf_daemon_opts *opts, char *err, size_t errlen)
{
	int r;

	if (!opts->with_bpf_token)
		return 0;
	if (!realpath(opts->bpffs_path, bf_token_bpffs))
		return bf_token_fail(err, errlen, opts->bpffs_path, -errno, NULL);
	r = bf_token_create(bf_token_bpffs, err, errlen);
	if (r)
		return r;

	/* The templates are opened with bpf_token_path set. libxdp opens
	 * objects of its own (its dispatcher) without it: libbpf then takes
	 * the path from the environment. */
	bf_tmpl_set_token_path(bf_token_bpffs);
	if (setenv("LIBBPF_BPF_TOKEN_PATH", bf_token_bpffs, 1)) {
		r = -errno;
		snprintf(err, errlen, "--with-bpf-token: cannot set LIBBPF_BPF_TOKEN_PATH: %s",
			 strerror(-r));
		return r;
	}
	bf_info("using a BPF token from the bpffs at %s", bf_token_bpffs);
	return 0;
}
