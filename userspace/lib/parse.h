/* SPDX-License-Identifier: GPL-2.0-only */
/* Text of the rule language (BFCLI.md) to the model. */
#ifndef BF_PARSE_H
#define BF_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"

/*
 * Parse @text into a new ruleset. Returns 0, or a negative errno with *rs
 * NULL and one line in @err: "line 3, column 14: syntax error, unexpected
 * 'foo'", "line 4, column 9: port 70000 out of range (0-65535)".
 *
 * Only what the text itself proves wrong is reported here; checks that
 * depend on the hook (bf_chain_validate()) are left to the caller.
 */
int bf_parse_ruleset(const char *text, struct bf_ruleset **rs, char *err, size_t errlen);

/*
 * Apply one hook option, KEY=VALUE, to @opts: ifindex=N or ifindex=NAME,
 * cgpath=/ABSOLUTE/PATH, family=inet4|inet6, priorities=A-B (two distinct
 * non-zero int32). Returns 0, or -EINVAL with the reason in @err, also when
 * @opts already has the option. Whether the hook takes it is not checked
 * here (bf_hookopt_allowed_on_hook()).
 */
int bf_hookopt_parse(const char *key, const char *value, struct bf_hookopts *opts, char *err,
		     size_t errlen);

/*
 * Parse one element of @set as it is written in a set body, its components
 * separated by ',' ("10.0.0.1, 22"; blanks around components are ignored),
 * into @elem (bf_set_elem_size(@set) bytes, encoded as set.h says). Returns
 * 0, or a negative errno with the reason in @err, without line and column:
 * "element has 1 value, key (ip4.daddr, tcp.dport) has 2". Interface names
 * are resolved with if_nametoindex(), in the caller's network namespace.
 */
int bf_set_parse_elem(const struct bf_set *set, const char *text, uint8_t *elem, char *err,
		      size_t errlen);

#endif /* BF_PARSE_H */
