/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Log entries (struct bf_log_entry) as text, one line each, for
 * "bfcli chain logs". Fields are KEY=VALUE separated by spaces, then one
 * group per requested header:
 *
 *   2025-01-02T03:04:05.123456 rule=2 verdict=DROP size=74
 *     link: src=02:00:00:00:00:01 dst=02:00:00:00:00:02 type=ipv4
 *     internet: src=10.0.0.1 dst=10.0.0.2 proto=tcp ttl=64
 *     transport: sport=40000 dport=22 flags=syn seq=1 ack=0 win=64240
 *
 * (one line in the output). A header the rule asked for but the program
 * could not capture (no Ethernet header on netfilter, not an IP packet...)
 * prints as "link: -". Socket-address hooks have no packet: their entries
 * print who made the call and where to instead,
 * "pid=1234 comm=curl proto=tcp dst=10.0.0.2 dport=443" (and src= on
 * sendmsg hooks).
 *
 * The entry comes from the kernel through the daemon: every field is
 * printed as a number or a sanitized string, never trusted.
 */
#ifndef BF_LOGFMT_H
#define BF_LOGFMT_H

#include <stddef.h>
#include <stdint.h>

#include <bpfilter/abi.h>

/*
 * Format @e, logged by a chain on @hook, into @buf as one line without a
 * newline. The time is the wall clock: e->ts_ns is CLOCK_BOOTTIME, the
 * offset between both clocks is measured at the first call. Returns the
 * length of the whole line, as snprintf(): a value >= @len means @buf
 * holds a truncated (still NUL-terminated) line; -EINVAL without an entry.
 */
int bf_log_entry_format(const struct bf_log_entry *e, enum bf_hook hook, char *buf, size_t len);

/* The same with the offset given: e->ts_ns + @boot_to_real_ns is the time
 * in nanoseconds since the epoch. Lets tests pin the time. */
int bf_log_entry_format_at(const struct bf_log_entry *e, enum bf_hook hook,
			   int64_t boot_to_real_ns, char *buf, size_t len);

/* CLOCK_REALTIME minus CLOCK_BOOTTIME, now, in nanoseconds. */
int64_t bf_log_boot_to_real_ns(void);

#endif /* BF_LOGFMT_H */
