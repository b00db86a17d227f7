/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * splitmix64: the tests' and the benchmark's random numbers. Small, fast,
 * every seed gives a good stream, and the same stream on every machine,
 * so a printed seed reproduces a run.
 */
#ifndef BF_SELFTESTS_RNG_H
#define BF_SELFTESTS_RNG_H

#include <stdint.h>

struct bf_rng {
	uint64_t s;
};

static inline uint64_t bf_rng_u64(struct bf_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif /* BF_SELFTESTS_RNG_H */
