/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BF_BPF_COMMON_H
#define BF_BPF_COMMON_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <bpfilter/abi.h>

#endif /* BF_BPF_COMMON_H */
