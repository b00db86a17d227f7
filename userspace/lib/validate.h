/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Semantic checks of a chain. bfcli runs them on what it parsed and the
 * daemon again on what it received, so they assume nothing about the chain:
 * any enum, index, length or count may be garbage.
 */
#ifndef BF_VALIDATE_H
#define BF_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "chain.h"

/*
 * Returns 0 if @chain can be compiled, else -EINVAL and one line in @err
 * naming the chain, and the rule and matcher or the set at fault:
 * "chain 'c', rule 2, matcher 'meta.mark': not available on BF_HOOK_XDP".
 * Indexes are 0-based, as in the counters and logs (and the daemon's own
 * messages): "rule 2" is the third rule.
 */
int bf_chain_validate(const struct bf_chain *chain, char *err, size_t errlen);

/* A set key on its own (component types, count, size). -EINVAL and the
 * reason in @err, without any prefix. */
int bf_set_key_validate(const enum bf_matcher_type *key, size_t nkeys, char *err,
			size_t errlen);

/*
 * Chain and set names: NUL-terminated within @size, 1 to BF_NAME_LEN - 1
 * letters, digits, '_', '-' or '.', starting with a letter, a digit or '_'.
 * Chain names end up in pin paths, hence no '/' and no leading '.'.
 */
bool bf_name_is_valid(const char *name, size_t size);

/* Interface names as the kernel takes them (dev_valid_name()). */
bool bf_ifname_is_valid(const char *name, size_t size);

#endif /* BF_VALIDATE_H */
