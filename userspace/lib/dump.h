/* SPDX-License-Identifier: GPL-2.0-only */
/* The printed form of a chain (BFCLI.md, "Printed form"). */
#ifndef BF_DUMP_H
#define BF_DUMP_H

#include <stdbool.h>
#include <stdio.h>

#include "chain.h"

/*
 * Print @chain to @f: the chain line with its hook options, named sets,
 * then rules with anonymous sets inline. With chain->counters, "counters"
 * lines follow the chain line and each counted rule's matchers; without
 * them the text parses back (bf_parse_ruleset()) into the same chain.
 * @set_content false prints "{ /" "* N elements, content elided *" "/ }"
 * instead of the elements, which does not parse back.
 *
 * Values the model can't hold are printed as numbers or "?", never
 * trusted: the chain may come from the wire. Returns 0 or -EIO.
 */
int bf_chain_dump(FILE *f, const struct bf_chain *chain, bool set_content);

#endif /* BF_DUMP_H */
