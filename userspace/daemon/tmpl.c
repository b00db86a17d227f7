// SPDX-License-Identifier: GPL-2.0-only
#include "tmpl.h"

#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/helper.h"

#include "cgroup_skb.skel.h"
#include "nf.skel.h"
#include "sock_addr.skel.h"
#include "tc.skel.h"
#include "xdp.skel.h"

static const char *bf_token_path;

void bf_tmpl_set_token_path(const char *bpffs_path)
{
	bf_token_path = bpffs_path;
}

enum bpf_attach_type bf_hook_attach_type(enum bf_hook hook)
{
	switch (hook) {
	case BF_HOOK_XDP:
		return BPF_XDP;
	case BF_HOOK_TC_INGRESS:
		return BPF_TCX_INGRESS;
	case BF_HOOK_TC_EGRESS:
		return BPF_TCX_EGRESS;
	case BF_HOOK_CGROUP_SKB_INGRESS:
		return BPF_CGROUP_INET_INGRESS;
	case BF_HOOK_CGROUP_SKB_EGRESS:
		return BPF_CGROUP_INET_EGRESS;
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4:
		return BPF_CGROUP_INET4_CONNECT;
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6:
		return BPF_CGROUP_INET6_CONNECT;
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4:
		return BPF_CGROUP_UDP4_SENDMSG;
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6:
		return BPF_CGROUP_UDP6_SENDMSG;
	default:
		return BPF_NETFILTER;
	}
}

void bf_prog_name(const char *chain, char name[BF_PROG_NAME_LEN + 1])
{
	snprintf(name, BF_PROG_NAME_LEN + 1, "bf_%s", chain);
	for (char *c = name; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.')
			*c = '_';
	}
}

static const void *bf_tmpl_elf(enum bf_hook hook, size_t *size)
{
	switch (hook) {
	case BF_HOOK_XDP:
		return bf_xdp_tmpl__elf_bytes(size);
	case BF_HOOK_TC_INGRESS:
	case BF_HOOK_TC_EGRESS:
		return bf_tc_tmpl__elf_bytes(size);
	case BF_HOOK_CGROUP_SKB_INGRESS:
	case BF_HOOK_CGROUP_SKB_EGRESS:
		return bf_cgroup_skb_tmpl__elf_bytes(size);
	case BF_HOOK_NF_PRE_ROUTING:
	case BF_HOOK_NF_LOCAL_IN:
	case BF_HOOK_NF_FORWARD:
	case BF_HOOK_NF_LOCAL_OUT:
	case BF_HOOK_NF_POST_ROUTING:
		return bf_nf_tmpl__elf_bytes(size);
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4:
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6:
		return bf_sock_addr_tmpl__elf_bytes(size);
	default:
		return NULL;
	}
}

/*
 * libbpf names a program after its ELF symbol and has no way to rename it,
 * so rename the symbol: its string, in .strtab and in the .BTF string table
 * (bpftool shows the BTF function name when the kernel's is 15 characters,
 * as it may be truncated), is the placeholder, exactly 15 characters long,
 * overwritten in place with @name and NUL padding.
 */
static int bf_elf_rename_prog(uint8_t *elf, size_t size, const char *name)
{
	static const char needle[] = "\0" BF_PROG_NAME_STR "\0";
	const size_t nlen = sizeof(needle) - 1;
	uint8_t *hit, *end = elf + size;
	int n = 0;

	for (hit = memmem(elf, size, needle, nlen); hit;
	     hit = memmem(hit + nlen, end - (hit + nlen), needle, nlen)) {
		memset(hit + 1, 0, BF_PROG_NAME_LEN);
		memcpy(hit + 1, name, strnlen(name, BF_PROG_NAME_LEN));
		n++;
	}
	return n ? 0 : -ENOENT;
}

/* Where struct bf_cfg sits in .rodata, from the object's BTF. */
static struct bf_cfg *bf_tmpl_find_cfg(struct bpf_object *obj)
{
	const struct btf_var_secinfo *vsi;
	const struct btf_type *sec;
	struct bpf_map *map, *rodata = NULL;
	struct btf *btf = bpf_object__btf(obj);
	size_t size;
	uint8_t *data;
	int id;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		size_t len = strlen(name);

		if (bpf_map__is_internal(map) && len >= 7 && !strcmp(name + len - 7, ".rodata"))
			rodata = map;
	}
	if (!btf || !rodata)
		return NULL;
	data = bpf_map__initial_value(rodata, &size);
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!data || id < 0)
		return NULL;

	sec = btf__type_by_id(btf, id);
	vsi = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vsi++) {
		const struct btf_type *var = btf__type_by_id(btf, vsi->type);

		if (!strcmp(btf__name_by_offset(btf, var->name_off), "bf_cfg") &&
		    vsi->offset + sizeof(struct bf_cfg) <= size)
			return (struct bf_cfg *)(data + vsi->offset);
	}
	return NULL;
}

int bf_tmpl_open(enum bf_hook hook, const char *prog_name, struct bf_tmpl *tmpl)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = prog_name,
		    .bpf_token_path = bf_token_path);
	uint8_t *elf;
	const void *src;
	size_t size;
	int r;

	memset(tmpl, 0, sizeof(*tmpl));
	src = bf_tmpl_elf(hook, &size);
	if (!src)
		return -EINVAL;
	elf = malloc(size);
	if (!elf)
		return -ENOMEM;
	tmpl->elf = elf;
	memcpy(elf, src, size);
	r = bf_elf_rename_prog(elf, size, prog_name);
	if (r) {
		bf_tmpl_close(tmpl);
		return r;
	}

	tmpl->obj = bpf_object__open_mem(elf, size, &opts);
	if (!tmpl->obj) {
		r = -errno;
		bf_tmpl_close(tmpl);
		return r;
	}
	tmpl->prog = bpf_object__next_program(tmpl->obj, NULL);
	tmpl->cfg = bf_tmpl_find_cfg(tmpl->obj);
	if (!tmpl->prog || !tmpl->cfg) {
		bf_tmpl_close(tmpl);
		return -ENOENT;
	}
	return bpf_program__set_expected_attach_type(tmpl->prog, bf_hook_attach_type(hook));
}

void bf_tmpl_close(struct bf_tmpl *tmpl)
{
	bpf_object__close(tmpl->obj);
	free(tmpl->elf);
	memset(tmpl, 0, sizeof(*tmpl));
}
