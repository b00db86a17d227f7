// SPDX-License-Identifier: GPL-2.0-only
/* "chain update-set" (set_update.h). */
#include "set_update.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/helper.h"
#include "lib/parse.h"
#include "log.h"
#include "xlate.h"

/* Room for any element (at most BF_SET_MAX_COMPS components). */
#define BF_ELEM_MAX 128

/* A key of either set map. */
union bf_any_key {
	struct bf_set_key hash;
	struct bf_lpm_key lpm;
};

/* The keys of one set found in its map, by generation. */
struct bf_set_keys {
	union bf_any_key *cur; /* the generation packets see */
	size_t ncur;
	union bf_any_key *stale; /* other generations: leftovers */
	size_t nstale;
	size_t total; /* keys of every set in the map */
	uint32_t max; /* the map's max_entries */
};

/* What one update works on. */
struct bf_set_job {
	const struct bf_chain *chain;
	const struct bf_set *set;
	uint32_t idx;
	int map_fd;  /* bf_set_elems or bf_set_lpm */
	int sets_fd; /* bf_sets */
	bool lpm;
	char *err;
	size_t errlen;
};

static int bf_job_err(const struct bf_set_job *job, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bf_job_err(const struct bf_set_job *job, int r, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(job->err, job->errlen, "chain '%s', set '%s': %s", job->chain->name,
		 job->set->name, msg);
	return r;
}

static void bf_set_keys_clean(struct bf_set_keys *keys)
{
	free(keys->cur);
	free(keys->stale);
}

static uint32_t bf_key_id(const struct bf_set_job *job, const union bf_any_key *key)
{
	return job->lpm ? ntohl(key->lpm.set) : key->hash.set;
}

/* ---------------------------------------------------------------------
 * The new content, in the model's encoding
 */

/* The element as the maps see it: a network's host bits don't count. */
static void bf_elem_canon(const struct bf_set *set, const uint8_t *elem, uint8_t *out)
{
	size_t size = bf_set_elem_size(set);
	unsigned int plen;

	memcpy(out, elem, size);
	if (!bf_set_is_prefix(set))
		return;
	plen = out[size - 1];
	for (size_t i = 0; i < size - 1; i++) {
		unsigned int bits = plen > 8 * i ? plen - 8 * i : 0;

		out[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

static bool bf_elem_equal(const struct bf_set *set, const uint8_t *a, const uint8_t *b)
{
	uint8_t ca[BF_ELEM_MAX], cb[BF_ELEM_MAX];

	bf_elem_canon(set, a, ca);
	bf_elem_canon(set, b, cb);
	return !memcmp(ca, cb, bf_set_elem_size(set));
}

static bool bf_elems_has(const struct bf_set *set, const uint8_t *elem)
{
	size_t size = bf_set_elem_size(set);

	for (size_t i = 0; i < set->nelems; i++) {
		if (bf_elem_equal(set, set->elems + i * size, elem))
			return true;
	}
	return false;
}

/* Remove every copy of @elem from @set; how many there were. */
static size_t bf_elems_remove(struct bf_set *set, const uint8_t *elem)
{
	size_t size = bf_set_elem_size(set);
	size_t n = 0;

	for (size_t i = 0; i < set->nelems;) {
		uint8_t *e = set->elems + i * size;

		if (!bf_elem_equal(set, e, elem)) {
			i++;
			continue;
		}
		memmove(e, e + size, (set->nelems - i - 1) * size);
		set->nelems--;
		n++;
	}
	return n;
}

static int bf_job_parse(const struct bf_set_job *job, const char *text, uint8_t *elem)
{
	char why[512];
	int r;

	r = bf_set_parse_elem(job->set, text, elem, why, sizeof(why));
	if (r)
		return bf_job_err(job, r, "element '%s': %s", text, why);
	return 0;
}

/* @next: a copy of the set with @up applied (its elems to free). */
static int bf_job_content(const struct bf_set_job *job, const struct bf_set_update *up,
			  struct bf_set *next)
{
	size_t size = bf_set_elem_size(job->set);
	uint8_t elem[BF_ELEM_MAX];
	int r;

	*next = *job->set;
	next->elems = NULL;
	if (job->set->nelems) {
		next->elems = malloc(job->set->nelems * size);
		if (!next->elems)
			return bf_job_err(job, -ENOMEM, "out of memory");
		memcpy(next->elems, job->set->elems, job->set->nelems * size);
	}
	for (size_t i = 0; i < up->nremove; i++) {
		r = bf_job_parse(job, up->remove[i], elem);
		if (r)
			return r;
		if (!bf_elems_remove(next, elem))
			return bf_job_err(job, -ENOENT, "element '%s' is not in the set",
					  up->remove[i]);
	}
	for (size_t i = 0; i < up->nadd; i++) {
		r = bf_job_parse(job, up->add[i], elem);
		if (r)
			return r;
		/* Already there: nothing to do, as nftables' "add element". */
		if (bf_elems_has(next, elem))
			continue;
		r = bf_set_add_elem(next, elem);
		if (r)
			return bf_job_err(job, r, "out of memory");
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * The maps
 */

static int bf_keys_push(union bf_any_key **arr, size_t *n, const union bf_any_key *key)
{
	union bf_any_key *p = reallocarray(*arr, *n + 1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p[(*n)++] = *key;
	*arr = p;
	return 0;
}

static int bf_map_max_entries(int fd, uint32_t *max)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_map_get_info_by_fd(fd, &info, &len))
		return -errno;
	*max = info.max_entries;
	return 0;
}

/* Sort the map's keys of this set by generation, and count them all. */
static int bf_job_scan(const struct bf_set_job *job, uint8_t gen, struct bf_set_keys *keys)
{
	union bf_any_key key, next;
	void *prev = NULL;
	int r;

	r = bf_map_max_entries(job->map_fd, &keys->max);
	if (r)
		return bf_job_err(job, r, "cannot read its map: %s", strerror(-r));
	memset(&key, 0, sizeof(key));
	memset(&next, 0, sizeof(next));
	while (!bpf_map_get_next_key(job->map_fd, prev, &next)) {
		uint32_t id = bf_key_id(job, &next);

		key = next;
		prev = &key;
		keys->total++;
		if ((id & (BF_SET_MAX - 1)) != job->idx)
			continue;
		if (id >> BF_SET_GEN_SHIFT == gen)
			r = bf_keys_push(&keys->cur, &keys->ncur, &key);
		else
			r = bf_keys_push(&keys->stale, &keys->nstale, &key);
		if (r)
			return bf_job_err(job, r, "out of memory");
	}
	if (errno != ENOENT)
		return bf_job_err(job, -errno, "cannot read its map: %s", strerror(errno));
	return 0;
}

static void bf_job_key(const struct bf_set_job *job, const struct bf_set *content, uint8_t gen,
		       size_t e, union bf_any_key *key)
{
	const uint8_t *elem = content->elems + e * bf_set_elem_size(content);

	memset(key, 0, sizeof(*key));
	if (job->lpm)
		bf_xlate_lpm_key_gen(content, job->idx, gen, elem, &key->lpm);
	else
		bf_xlate_set_key_gen(content, job->idx, gen, elem, &key->hash);
}

static void bf_keys_delete(const struct bf_set_job *job, const union bf_any_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_delete_elem(job->map_fd, &keys[i]) && errno != ENOENT)
			bf_warn("chain '%s', set '%s': cannot delete an old element: %s",
				job->chain->name, job->set->name, strerror(errno));
	}
}

/* Undo bf_job_write(): the first @n elements of @content, generation
 * @gen, go. */
static void bf_job_unwrite(const struct bf_set_job *job, const struct bf_set *content, uint8_t gen,
			   size_t n)
{
	union bf_any_key key;

	for (size_t e = 0; e < n; e++) {
		bf_job_key(job, content, gen, e, &key);
		bpf_map_delete_elem(job->map_fd, &key);
	}
}

/* Write @content under generation @gen; on failure, none of it stays. */
static int bf_job_write(const struct bf_set_job *job, const struct bf_set *content, uint8_t gen,
			uint32_t max)
{
	const uint8_t one = 1;
	union bf_any_key key;

	for (size_t e = 0; e < content->nelems; e++) {
		int r;

		bf_job_key(job, content, gen, e, &key);
		if (!bpf_map_update_elem(job->map_fd, &key, &one, BPF_ANY))
			continue;
		r = -errno;
		bf_job_unwrite(job, content, gen, e);
		if (r == -E2BIG || r == -ENOSPC)
			return bf_job_err(job, r,
					  "no room for %zu elements: the chain's set maps hold "
					  "%u elements, old and new content together",
					  content->nelems, max);
		return bf_job_err(job, r, "cannot write the new elements: %s", strerror(-r));
	}
	return 0;
}

/* The new content fits next to the old one? */
static int bf_job_check_room(const struct bf_set_job *job, const struct bf_set_keys *keys,
			     size_t nnew)
{
	size_t need = keys->total - keys->nstale + nnew;

	if (need <= keys->max)
		return 0;
	return bf_job_err(job, -E2BIG,
			  "no room for %zu elements: the chain's set maps hold %u elements, "
			  "old and new content together (%zu needed); use chain update to "
			  "reload the chain with its new content",
			  nnew, keys->max, need);
}

/* Write the new generation, flip the record to it, delete the old one. */
static int bf_job_apply(const struct bf_set_job *job, struct bf_set_rec *rec,
			const struct bf_set *content, struct bf_set_keys *keys)
{
	uint8_t next = (uint8_t)(rec->gen + 1);
	int r;

	/* Leftovers of an update that died half-way: they must not come
	 * back to life with the flip. */
	bf_keys_delete(job, keys->stale, keys->nstale);
	r = bf_job_write(job, content, next, keys->max);
	if (r)
		return r;
	rec->gen = next;
	if (bpf_map_update_elem(job->sets_fd, &job->idx, rec, BPF_ANY)) {
		r = -errno;
		bf_job_unwrite(job, content, next, content->nelems);
		return bf_job_err(job, r, "cannot switch to the new elements: %s", strerror(-r));
	}
	bf_keys_delete(job, keys->cur, keys->ncur);
	return 0;
}

int bf_cgen_update_set(struct bf_cgen *cg, const struct bf_set_update *up, char *err, size_t errlen)
{
	struct bf_set_job job = { .chain = cg->chain, .err = err, .errlen = errlen };
	struct bf_set_keys keys = {};
	struct bf_set next = {};
	struct bf_set_rec rec;
	struct bf_set *set;
	int idx, r;

	idx = up->set && up->set[0] ? bf_chain_find_set(cg->chain, up->set) : -ENOENT;
	if (idx < 0) {
		snprintf(err, errlen, "chain '%s' has no set named '%s'", cg->chain->name,
			 up->set ? up->set : "");
		return -ENOENT;
	}
	set = &cg->chain->sets[idx];
	job.set = set;
	job.idx = (uint32_t)idx;
	job.lpm = bf_set_is_prefix(set);
	job.map_fd = cg->prog->maps[job.lpm ? BF_MAP_SET_LPM : BF_MAP_SET_ELEMS];
	job.sets_fd = cg->prog->maps[BF_MAP_SETS];
	if (bf_set_elem_size(set) > BF_ELEM_MAX)
		return bf_job_err(&job, -EINVAL, "elements too large");

	r = bf_job_content(&job, up, &next);
	if (!r && bpf_map_lookup_elem(job.sets_fd, &job.idx, &rec))
		r = bf_job_err(&job, -errno, "cannot read its record: %s", strerror(errno));
	r = r ?: bf_job_scan(&job, rec.gen, &keys);
	r = r ?: bf_job_check_room(&job, &keys, next.nelems);
	if (!r && !up->dry_run)
		r = bf_job_apply(&job, &rec, &next, &keys);
	bf_set_keys_clean(&keys);
	if (r || up->dry_run) {
		free(next.elems);
		return r;
	}

	bf_dbg("chain '%s', set '%s': %zu elements, generation %u", cg->chain->name, set->name,
	       next.nelems, rec.gen);
	free(set->elems);
	set->elems = next.elems;
	set->nelems = next.nelems;
	return 0;
}
