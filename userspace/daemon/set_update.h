/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "chain update-set": a named set's elements changed in place, without
 * reloading the chain's program, so its counters are kept.
 *
 * The elements of a set live in the chain's bf_set_elems hash (or its
 * bf_set_lpm trie for a prefix set), keyed with the set's id
 * (gen << 24 | index) where gen is the generation its bf_sets record
 * holds. An update writes the whole new content under the next
 * generation, flips the record's generation byte (one map update: a
 * packet sees the old set or the new one, never a mix), then deletes the
 * old generation's keys. The maps must have room for both generations at
 * once; if they don't, nothing changes and the error says so.
 *
 * Semantics, as nftables': adding an element that is already there does
 * nothing; removing one that isn't there is an error (and nothing
 * changes). Removals apply before additions. For prefix sets, elements
 * are compared as the trie sees them: "10.0.0.1/24" is "10.0.0.0/24".
 */
#ifndef BF_SET_UPDATE_H
#define BF_SET_UPDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "cgen.h"

struct bf_set_update {
	const char *set;  /* the set's name */
	char *const *add; /* elements as written: "10.0.0.1", "10.0.0.2, 22" */
	size_t nadd;
	char *const *remove;
	size_t nremove;
	/* Parse and check everything (room in the maps included), change
	 * nothing. */
	bool dry_run;
};

/*
 * Apply @up to @cg: its maps, then its model (cg->chain's set), so "chain
 * get" prints the new content. Elements are parsed with
 * bf_set_parse_elem(), interface names resolved in the caller's network
 * namespace. On failure returns a negative errno with one line in @err
 * naming the chain, the set and the element at fault, and nothing has
 * changed.
 */
int bf_cgen_update_set(struct bf_cgen *cg, const struct bf_set_update *up, char *err,
		       size_t errlen);

#endif /* BF_SET_UPDATE_H */
