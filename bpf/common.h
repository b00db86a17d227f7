/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BF_BPF_COMMON_H
#define BF_BPF_COMMON_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <bpfilter/abi.h>

/* Every template's program has this name in the object; the daemon
 * rewrites it to bf_<chain> before loading, so bpftool shows whose program
 * it is. Exactly BF_PROG_NAME_LEN characters: room for the kernel's 15. */
#define BF_PROG_NAME bf_prog_0000000

#endif /* BF_BPF_COMMON_H */
