/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --with-bpf-token: a daemon confined in a user namespace has no capability
 * the kernel's bpf() checks recognize, unless its calls carry a BPF token.
 * A token is derived from a bpffs whose (privileged) mounter delegated bpf()
 * commands, map, program and attach types to the user namespace owning it.
 */
#ifndef BF_TOKEN_H
#define BF_TOKEN_H

#include <stddef.h>

#include "opts.h"

/*
 * With opts->with_bpf_token, create a token from the bpffs at
 * opts->bpffs_path, keep it, and make every libbpf object the daemon opens
 * from now on (its templates, libxdp's) create theirs from the same bpffs.
 * Without it, do nothing. Returns 0 or a negative errno, @err naming the
 * path and the reason: the daemon must not start then.
 */
int bf_token_setup(const struct bf_daemon_opts *opts, char *err, size_t errlen);
/*
 * The token, for bpf() calls made without libbpf objects: pass it as the
 * token_fd of bpf_map_create(), bpf_prog_load() or bpf_btf_load(), with
 * BPF_F_TOKEN_FD in their flags. -1 without --with-bpf-token.
 */
int bf_token_fd(void);

#endif /* BF_TOKEN_H */
