// SPDX-License-Identifier: GPL-2.0-only
/*
 * Folding a rule's matchers into word tests. Equalities (and "all bits
 * set") are laid byte by byte over the 32-bit words of struct bf_pkt they
 * fall in, mask and value, so that several matchers on one word make one
 * test; the protocols the matchers need (bf_matcher_rec.req, which holds
 * even for a negated matcher) are bits of the flags word. Ranges of at
 * most 4 bytes keep their own test. A rule whose matchers all fold, within
 * BF_TEST_WORDS words and BF_TEST_RANGES ranges, has an exact test; any
 * other keeps what folds, the words with the most mask bits first, as a
 * filter. Built for every rule of every chain loaded: only the words a
 * rule touches are cleared and scanned.
 */
#include "rtest.h"

#include <string.h>

_Static_assert(sizeof(struct bf_rule_test) == 64, "struct bf_rule_test is 64 bytes");

#define BF_RTEST_NWORDS (sizeof(struct bf_pkt) / 4)

_Static_assert(BF_RTEST_NWORDS <= 32, "one bit per word of struct bf_pkt");

struct bf_rtest_image {
	/* Words of struct bf_pkt, as the template loads them; only those in
	 * @touched are set. */
	uint32_t mask[BF_RTEST_NWORDS];
	uint32_t value[BF_RTEST_NWORDS];
	uint32_t touched;
	bool never;
	bool inexact;
};

static uint32_t bf_rtest_be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Lay equality bytes over the image: bits asked twice must agree. */
static void bf_rtest_lay(struct bf_rtest_image *img, unsigned int off, const uint8_t *mask,
			 const uint8_t *value, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++) {
		unsigned int w = (off + i) / 4, b = (off + i) % 4;
		uint8_t k = mask[i], v = value[i], *km, *vm;

		if (!k && !v)
			continue;
		if (!(img->touched & (1U << w))) {
			img->mask[w] = 0;
			img->value[w] = 0;
			img->touched |= 1U << w;
		}
		/* Byte b of the word as it lies in memory. */
		km = (uint8_t *)&img->mask[w] + b;
		vm = (uint8_t *)&img->value[w] + b;
		/* (field & mask) == value can't hold with value bits
		 * outside the mask. */
		if ((v & ~k) || ((*vm ^ v) & *km & k))
			img->never = true;
		*km |= k;
		*vm |= v & k;
	}
}

static void bf_rtest_range(struct bf_rule_test *t, struct bf_rtest_image *img,
			   const struct bf_matcher_rec *m)
{
	unsigned int shift = m->len == 4 ? 0 : 8 * (4 - m->len);
	uint32_t lo = bf_rtest_be(m->value) >> shift, hi = bf_rtest_be(m->mask) >> shift;

	if (lo > hi) {
		img->never = true;
		return;
	}
	if (t->nranges == BF_TEST_RANGES) {
		img->inexact = true;
		return;
	}
	t->roff[t->nranges] = m->off;
	t->rshift[t->nranges] = shift;
	t->lo[t->nranges] = lo;
	t->span[t->nranges] = hi - lo;
	t->nranges++;
}

static void bf_rtest_matcher(struct bf_rule_test *t, struct bf_rtest_image *img,
			     const struct bf_matcher_rec *m)
{
	uint8_t req[4];

	/* Native order, as the template keeps the flags word. */
	memcpy(req, &m->req, sizeof(req));
	bf_rtest_lay(img, 0, req, req, sizeof(req));

	/* Where the template's comparison gives up (bf_match_cmp()), the
	 * matcher decides. */
	if (m->negate || m->off > sizeof(struct bf_pkt) - BF_CMP_MAX || m->len > BF_CMP_MAX) {
		img->inexact = true;
		return;
	}
	switch (m->op) {
	case BF_CMP_EQ:
		bf_rtest_lay(img, m->off, m->mask, m->value, m->len);
		break;
	case BF_CMP_ALL:
		bf_rtest_lay(img, m->off, m->mask, m->mask, m->len);
		break;
	case BF_CMP_RANGE:
		/* The template's range reads 4 bytes from the field. */
		if (m->len && m->len <= 4 && m->off + 4u <= sizeof(struct bf_pkt))
			bf_rtest_range(t, img, m);
		else
			img->inexact = true;
		break;
	default:
		img->inexact = true;
		break;
	}
}

/* The word tests: those of the image's words with a mask, the most mask
 * bits first (the first failing test ends the evaluation). */
static void bf_rtest_words(struct bf_rule_test *t, struct bf_rtest_image *img)
{
	uint32_t left = 0;

	for (uint32_t b = img->touched; b; b &= b - 1) {
		unsigned int w = __builtin_ctz(b);

		if (img->mask[w])
			left |= 1U << w;
	}
	while (left) {
		unsigned int best = __builtin_ctz(left);
		int most = -1;

		for (uint32_t b = left; b; b &= b - 1) {
			unsigned int w = __builtin_ctz(b);
			int bits = __builtin_popcount(img->mask[w]);

			if (bits > most) {
				most = bits;
				best = w;
			}
		}
		if (t->nwords == BF_TEST_WORDS) {
			img->inexact = true;
			break;
		}
		t->off[t->nwords] = 4 * best;
		t->mask[t->nwords] = img->mask[best];
		t->value[t->nwords] = img->value[best];
		t->nwords++;
		left &= ~(1U << best);
	}
}

void bf_rule_test_build(const struct bf_matcher_rec *matchers, uint32_t n,
			struct bf_rule_test *out)
{
	struct bf_rtest_image img;

	memset(out, 0, sizeof(*out));
	img.touched = 0;
	img.never = false;
	img.inexact = false;
	for (uint32_t i = 0; i < n && !img.never; i++)
		bf_rtest_matcher(out, &img, &matchers[i]);
	if (img.never) {
		/* No packet passes: (word & 0) is never 1. */
		memset(out, 0, sizeof(*out));
		out->nwords = 1;
		out->value[0] = 1;
		out->exact = 1;
		return;
	}
	bf_rtest_words(out, &img);
	out->exact = !img.inexact;
}

bool bf_rule_test_pass(const uint8_t *pkt, const struct bf_rule_test *t)
{
	for (unsigned int i = 0; i < t->nwords && i < BF_TEST_WORDS; i++) {
		uint32_t w;

		memcpy(&w, pkt + (t->off[i] & (sizeof(struct bf_pkt) - 4)), sizeof(w));
		if ((w & t->mask[i]) != t->value[i])
			return false;
	}
	for (unsigned int i = 0; i < t->nranges && i < BF_TEST_RANGES; i++) {
		unsigned int off = t->roff[i];
		uint32_t x;

		if (off > sizeof(struct bf_pkt) - 4)
			return false;
		x = bf_rtest_be(pkt + off) >> (t->rshift[i] & 31);
		if (x - t->lo[i] > t->span[i])
			return false;
	}
	return true;
}
