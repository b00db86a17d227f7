/* SPDX-License-Identifier: GPL-2.0-only */
/* Daemon logging: one line per message on stderr, which systemd's journal
 * collects as is. */
#ifndef BF_LOG_H
#define BF_LOG_H

#include <stdbool.h>

enum bf_log_level {
	BF_LOG_DEBUG = 0,
	BF_LOG_INFO,
	BF_LOG_WARN,
	BF_LOG_ERR,
};

enum bf_verbose {
	BF_VERBOSE_DEBUG = 1 << 0,
	BF_VERBOSE_BPF = 1 << 1,
	BF_VERBOSE_BYTECODE = 1 << 2,
};

void bf_log_set_verbose(unsigned int flags);
bool bf_log_bpf_enabled(void);
bool bf_log_bytecode_enabled(void);
bool bf_log_debug_enabled(void);
void bf_log(enum bf_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Route libbpf's messages (verifier logs included) through bf_log(). */
void bf_log_setup_libbpf(void);

#define bf_dbg(...) bf_log(BF_LOG_DEBUG, __VA_ARGS__)
#define bf_info(...) bf_log(BF_LOG_INFO, __VA_ARGS__)
#define bf_warn(...) bf_log(BF_LOG_WARN, __VA_ARGS__)
#define bf_error(...) bf_log(BF_LOG_ERR, __VA_ARGS__)

#endif /* BF_LOG_H */
