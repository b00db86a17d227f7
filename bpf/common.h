/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BF_BPF_COMMON_H
#define BF_BPF_COMMON_H

/*
 * The program contexts of XDP, TC, cgroup_skb and sock_addr programs
 * (xdp_md, __sk_buff, bpf_sock_addr) are UAPI: the verifier rewrites their
 * accesses, their layout never moves, so they need no CO-RE relocation.
 * Without relocations libbpf doesn't parse the kernel's BTF (5 MB, 15 to 50
 * ms) for every chain load. Templates that read kernel-internal structures
 * (netfilter's bpf_nf_ctx) define BF_CORE before including this file.
 */
#ifndef BF_CORE
#define BPF_NO_PRESERVE_ACCESS_INDEX
#endif
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <bpfilter/abi.h>

/* Every template's program has this name in the object; the daemon
 * rewrites it to bf_<chain> before loading, so bpftool shows whose program
 * it is. Exactly BF_PROG_NAME_LEN characters: room for the kernel's 15. */
#define BF_PROG_NAME bf_prog_0000000

/* A transport header as the parser reads it (the first 14 bytes: TCP's
 * flags are the last). Aligned: the ports are read as one word, and the
 * verifier refuses misaligned stack loads. */
struct bf_l4buf {
	__u8 b[14];
} __attribute__((aligned(4)));

#endif /* BF_BPF_COMMON_H */
