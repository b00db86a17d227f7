// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <stdarg.h>
#include <stdio.h>

static unsigned int bf_verbose_flags;

void bf_log_set_verbose(unsigned int flags)
{
	bf_verbose_flags = flags;
}

bool bf_log_bpf_enabled(void)
{
	return bf_verbose_flags & BF_VERBOSE_BPF;
}

bool bf_log_bytecode_enabled(void)
{
	return bf_verbose_flags & BF_VERBOSE_BYTECODE;
}

bool bf_log_debug_enabled(void)
{
	return bf_verbose_flags & BF_VERBOSE_DEBUG;
}

static void bf_vlog(enum bf_log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "debug", "info", "warning", "error" };

	if (level == BF_LOG_DEBUG && !bf_log_debug_enabled())
		return;
	fprintf(stderr, "bpfilter: %s: ", prefix[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void bf_log(enum bf_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bf_vlog(level, fmt, ap);
	va_end(ap);
}

static int bf_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings carry whole verifier logs: the daemon reports
	 * failures itself in one line and shows these with -v debug only. */
	(void)level;
	if (!bf_log_debug_enabled())
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int bf_libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	/* The daemon says itself which mode libxdp chose. */
	(void)level;
	if (!bf_log_debug_enabled())
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void bf_log_setup_libbpf(void)
{
	libbpf_set_print(bf_libbpf_print);
	libxdp_set_print(bf_libxdp_print);
}
