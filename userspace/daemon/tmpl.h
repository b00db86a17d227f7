/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The embedded templates, behind one interface: every skeleton has the same
 * maps and a .rodata holding struct bf_cfg, only their C types differ.
 */
#ifndef BF_TMPL_H
#define BF_TMPL_H

#include <bpf/libbpf.h>

#include <bpfilter/abi.h>

struct bf_tmpl {
	void *skel;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bf_cfg *cfg; /* in .rodata: patch before load */
	void (*destroy)(void *skel);
};

/* Open (not load) the template of @hook. */
int bf_tmpl_open(enum bf_hook hook, struct bf_tmpl *tmpl);
void bf_tmpl_close(struct bf_tmpl *tmpl);
/* The attach type the kernel must see at load time for @hook. */
enum bpf_attach_type bf_hook_attach_type(enum bf_hook hook);

#endif /* BF_TMPL_H */
