/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The embedded templates: one BPF object per hook family, compiled into the
 * daemon as libbpf skeletons. Opening one gives a libbpf object whose
 * program is already named after the chain and whose .rodata struct bf_cfg
 * is ready to patch.
 */
#ifndef BF_TMPL_H
#define BF_TMPL_H

#include <bpf/libbpf.h>

#include <bpfilter/abi.h>

struct bf_tmpl {
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bf_cfg *cfg; /* in .rodata: patch before load */
	void *elf; /* the renamed object: libbpf reads it until load */
};

/* Open (not load) the template of @hook, its program named @prog_name (at
 * most 15 characters of [A-Za-z0-9_.]). */
int bf_tmpl_open(enum bf_hook hook, const char *prog_name, struct bf_tmpl *tmpl);
void bf_tmpl_close(struct bf_tmpl *tmpl);
/* The attach type the kernel must see at load time for @hook. */
enum bpf_attach_type bf_hook_attach_type(enum bf_hook hook);
/* Make every template opened from now on create its maps and program with
 * a BPF token from the bpffs at @bpffs_path (NULL: no token). */
void bf_tmpl_set_token_path(const char *bpffs_path);
/* The kernel's name for @chain's program: "bf_<chain>", cut to 15
 * characters, characters the kernel refuses replaced by '_'. */
void bf_prog_name(const char *chain, char name[BF_PROG_NAME_LEN + 1]);

#endif /* BF_TMPL_H */
