// SPDX-License-Identifier: GPL-2.0-only
#include "persist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/helper.h"
#include "lib/pack.h"
#include "lib/request.h"
#include "log.h"

#define BF_STATE_MAGIC 0x54534642 /* "BFST" */
#define BF_STATE_VERSION 2

static struct {
	bool transient;
	char pin_dir[PATH_MAX]; /* BPFFS/bpfilter */
	char state[PATH_MAX]; /* RUN_DIR/state */
} bf_persist;

static int bf_err(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return r;
}

int bf_persist_setup(const struct bf_daemon_opts *opts)
{
	struct statfs sfs;

	bf_persist.transient = opts->transient;
	snprintf(bf_persist.pin_dir, sizeof(bf_persist.pin_dir), "%s/bpfilter", opts->bpffs_path);
	snprintf(bf_persist.state, sizeof(bf_persist.state), "%s/state", opts->run_dir);
	if (opts->transient)
		return 0;

	if (statfs(opts->bpffs_path, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		bf_error("%s is not a BPF filesystem: mount one (mount -t bpf bpf %s), or "
			 "run with --transient",
			 opts->bpffs_path, opts->bpffs_path);
		return -ENOTDIR;
	}
	if (mkdir(bf_persist.pin_dir, 0700) && errno != EEXIST) {
		bf_error("cannot create %s: %s", bf_persist.pin_dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Remove every file of a chain's pin directory, then the directory. */
static void bf_unpin_dir(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.')
			unlinkat(fd, de->d_name, 0);
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR))
		bf_warn("cannot remove %s/%s: %s", bf_persist.pin_dir, name, strerror(errno));
}

/* Pins of chains that are gone: their programs and maps go with them. */
static void bf_unpin_stale(int root, const struct bf_ctx *ctx)
{
	_cleanup_close_ int fd = dup(root);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d)
		return;
	fd = -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		if (!bf_ctx_find((struct bf_ctx *)ctx, de->d_name))
			bf_unpin_dir(root, de->d_name);
	}
	closedir(d);
}

static int bf_pin_chain(int root, const struct bf_cgen *cg)
{
	_cleanup_close_ int dir = -1;
	int r;

	/* Start over: a replaced chain has a new program and maps. */
	bf_unpin_dir(root, cg->chain->name);
	if (mkdirat(root, cg->chain->name, 0700))
		return -errno;
	dir = openat(root, cg->chain->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	r = bf_prog_pin(cg->prog, dir);
	if (!r && cg->att)
		r = bf_attach_pin(cg->att, dir);
	return r;
}

static int bf_state_pack(const struct bf_ctx *ctx, void **buf, size_t *len)
{
	_cleanup_free_ void *model = NULL;
	struct bf_ruleset rs = { .nchains = ctx->ncgens };
	struct bf_request req = { .cmd = BF_CMD_RULESET_SET, .ruleset = &rs };
	struct bf_wpack w;
	size_t mlen;
	int r;

	rs.chains = calloc(ctx->ncgens + 1, sizeof(*rs.chains));
	if (!rs.chains)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->ncgens; i++)
		rs.chains[i] = ctx->cgens[i]->chain;
	/* The model travels in the wire format: one serializer to trust. */
	r = bf_request_pack(&req, &model, &mlen);
	free(rs.chains);
	if (r)
		return r;

	bf_wpack_init(&w);
	bf_wpack_u32(&w, BF_STATE_MAGIC);
	bf_wpack_u32(&w, BF_STATE_VERSION);
	bf_wpack_u32(&w, mlen);
	bf_wpack_bytes(&w, model, mlen);
	for (size_t i = 0; i < ctx->ncgens; i++) {
		struct bf_attach_state st = {};

		if (ctx->cgens[i]->att)
			bf_attach_get_state(ctx->cgens[i]->att, &st);
		bf_wpack_u8(&w, ctx->cgens[i]->att != NULL);
		bf_wpack_u8(&w, st.prio_idx);
		bf_wpack_u8(&w, st.xdp_multi);
		bf_wpack_u8(&w, st.xdp_mode);
		bf_wpack_u8(&w, st.nf_auto);
		bf_wpack_u32(&w, (uint32_t)st.nf_prio[0]);
		bf_wpack_u32(&w, (uint32_t)st.nf_prio[1]);
		bf_wpack_u64(&w, st.netns_ino);
	}
	return bf_wpack_finish(&w, buf, len);
}

static int bf_write_file(const char *path, const void *buf, size_t len)
{
	char tmp[PATH_MAX + 8];
	_cleanup_close_ int fd = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			unlink(tmp);
			return -errno;
		}
		off += n;
	}
	/* Atomic replacement: a crash leaves the old state or the new one. */
	if (fsync(fd) || rename(tmp, path)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

int bf_persist_save(struct bf_ctx *ctx)
{
	_cleanup_close_ int root = -1;
	_cleanup_free_ void *buf = NULL;
	size_t len;
	int r;

	if (bf_persist.transient)
		return 0;
	root = open(bf_persist.pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	bf_unpin_stale(root, ctx);
	for (size_t i = 0; i < ctx->ncgens; i++) {
		r = bf_pin_chain(root, ctx->cgens[i]);
		if (r) {
			bf_error("cannot pin chain '%s' in %s: %s", ctx->cgens[i]->chain->name,
				 bf_persist.pin_dir, strerror(-r));
			return r;
		}
	}
	r = bf_state_pack(ctx, &buf, &len);
	if (!r)
		r = bf_write_file(bf_persist.state, buf, len);
	if (r)
		bf_error("cannot write %s: %s", bf_persist.state, strerror(-r));
	return r;
}

static int bf_read_file(const char *path, void **buf, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *data = NULL;
	struct stat st;
	size_t off = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		return -errno;
	data = malloc(st.st_size ? st.st_size : 1);
	if (!data)
		return -ENOMEM;
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, data + off, st.st_size - off);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += n;
	}
	*buf = TAKE_PTR(data);
	*len = off;
	return 0;
}

/* Rebuild one chain from its pins, without loading or attaching. */
static int bf_restore_chain(int root, struct bf_chain *chain, bool attached,
			    const struct bf_attach_state *st, struct bf_cgen **out, char *err,
			    size_t errlen)
{
	_cleanup_bf_chain_ struct bf_chain *c = chain;
	_cleanup_bf_cgen_ struct bf_cgen *cg = calloc(1, sizeof(*cg));
	_cleanup_close_ int dir = -1;
	int r;

	if (!cg)
		return bf_err(err, errlen, -ENOMEM, "out of memory");
	dir = openat(root, c->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return bf_err(err, errlen, -errno, "chain '%s': no pins in %s/%s", c->name,
			      bf_persist.pin_dir, c->name);
	r = bf_prog_restore(dir, c->nrules, &cg->prog);
	if (r)
		return bf_err(err, errlen, r, "chain '%s': cannot open its pinned program: %s",
			      c->name, strerror(-r));
	if (attached) {
		char why[256];

		r = bf_attach_restore(c, cg->prog, st, dir, &cg->att, why, sizeof(why));
		if (r)
			return bf_err(err, errlen, r, "chain '%s': %s", c->name, why);
	}
	cg->chain = TAKE_PTR(c);
	*out = TAKE_PTR(cg);
	return 0;
}

static int bf_restore_chains(struct bf_ctx *ctx, struct bf_ruleset *rs, struct bf_rpack *r,
			     char *err, size_t errlen)
{
	_cleanup_close_ int root = open(bf_persist.pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		return bf_err(err, errlen, -errno, "cannot open %s: %s", bf_persist.pin_dir,
			      strerror(errno));
	for (size_t i = 0; i < rs->nchains; i++) {
		struct bf_attach_state st = {};
		struct bf_cgen *cg = NULL;
		uint8_t attached = 0;
		int ret;

		bf_rpack_u8(r, &attached);
		bf_rpack_u8(r, &st.prio_idx);
		bf_rpack_u8(r, &st.xdp_multi);
		bf_rpack_u8(r, &st.xdp_mode);
		bf_rpack_u8(r, &st.nf_auto);
		bf_rpack_u32(r, (uint32_t *)&st.nf_prio[0]);
		bf_rpack_u32(r, (uint32_t *)&st.nf_prio[1]);
		bf_rpack_u64(r, &st.netns_ino);
		if (bf_rpack_error(r))
			return bf_err(err, errlen, -EINVAL, "%s is corrupted", bf_persist.state);

		ret = bf_restore_chain(root, TAKE_PTR(rs->chains[i]), attached, &st, &cg, err,
				       errlen);
		if (ret)
			return ret;
		ret = bf_ctx_add(ctx, cg);
		if (ret) {
			bf_cgen_release(&cg);
			return bf_err(err, errlen, ret, "out of memory");
		}
	}
	return 0;
}

int bf_persist_restore(struct bf_ctx *ctx, char *err, size_t errlen)
{
	_cleanup_free_ void *buf = NULL;
	struct bf_request req = {};
	struct bf_rpack r;
	uint32_t magic = 0, version = 0, mlen = 0;
	const uint8_t *model;
	size_t len = 0, left;
	int ret;

	if (bf_persist.transient)
		return 0;
	ret = bf_read_file(bf_persist.state, &buf, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return bf_err(err, errlen, ret, "cannot read %s: %s", bf_persist.state,
			      strerror(-ret));

	bf_rpack_init(&r, buf, len);
	bf_rpack_u32(&r, &magic);
	bf_rpack_u32(&r, &version);
	bf_rpack_u32(&r, &mlen);
	if (bf_rpack_error(&r) || magic != BF_STATE_MAGIC || version != BF_STATE_VERSION ||
	    mlen > bf_rpack_left(&r))
		return bf_err(err, errlen, -EINVAL, "%s is not a state file of this version",
			      bf_persist.state);
	left = bf_rpack_left(&r);
	model = (const uint8_t *)buf + (len - left);
	ret = bf_request_unpack(model, mlen, &req);
	if (ret)
		return bf_err(err, errlen, ret, "%s is corrupted", bf_persist.state);
	bf_rpack_init(&r, model + mlen, left - mlen);

	if (req.ruleset)
		ret = bf_restore_chains(ctx, req.ruleset, &r, err, errlen);
	bf_request_clean(&req);
	if (ret) {
		size_t n = strlen(err);

		/* Leave the pins alone: the chains are still filtering. */
		bf_ctx_release(ctx);
		snprintf(err + n, errlen - n,
			 "; cannot restore the chains: to start from scratch, remove %s and %s "
			 "(this removes every rule)",
			 bf_persist.pin_dir, bf_persist.state);
		return ret;
	}
	bf_info("restored %zu chain(s) from %s and %s", ctx->ncgens, bf_persist.pin_dir,
		bf_persist.state);
	return 0;
}

void bf_persist_shutdown(struct bf_ctx *ctx)
{
	if (bf_persist.transient)
		bf_ctx_clean(ctx);
	else
		bf_ctx_release(ctx);
}
