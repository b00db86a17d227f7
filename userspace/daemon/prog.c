// SPDX-License-Identifier: GPL-2.0-only
#include "prog.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/helper.h"
#include "log.h"
#include "tmpl.h"
#include "xlate.h"

struct bf_prog {
	struct bf_tmpl tmpl;
	uint32_t nrules;
};

static int bf_err(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return r;
}

static size_t bf_max1(size_t n)
{
	return n ? n : 1;
}

static struct bpf_map *bf_prog_map(const struct bf_prog *prog, const char *name)
{
	return bpf_object__find_map_by_name(prog->tmpl.obj, name);
}

/* Size the maps to the chain before load; a map can't be empty. */
static int bf_prog_size_maps(struct bf_prog *prog, const struct bf_chain *chain)
{
	size_t nmatchers = 0, nexact = 0, nlpm = 0;
	int r;

	for (size_t i = 0; i < chain->nrules; i++)
		nmatchers += chain->rules[i].nmatchers;
	for (size_t i = 0; i < chain->nsets; i++) {
		if (bf_set_is_prefix(&chain->sets[i]))
			nlpm += chain->sets[i].nelems;
		else
			nexact += chain->sets[i].nelems;
	}

	r = bpf_map__set_max_entries(bf_prog_map(prog, "bf_rules"), bf_max1(chain->nrules));
	r = r ?: bpf_map__set_max_entries(bf_prog_map(prog, "bf_matchers"), bf_max1(nmatchers));
	r = r ?: bpf_map__set_max_entries(bf_prog_map(prog, "bf_sets"), bf_max1(chain->nsets));
	r = r ?: bpf_map__set_max_entries(bf_prog_map(prog, "bf_set_elems"), bf_max1(nexact));
	r = r ?: bpf_map__set_max_entries(bf_prog_map(prog, "bf_set_lpm"), bf_max1(nlpm));
	r = r ?: bpf_map__set_max_entries(bf_prog_map(prog, "bf_counters"), chain->nrules + 2);
	return r;
}

static int bf_prog_fill_rules(struct bf_prog *prog, const struct bf_chain *chain)
{
	int rules_fd = bpf_map__fd(bf_prog_map(prog, "bf_rules"));
	int matchers_fd = bpf_map__fd(bf_prog_map(prog, "bf_matchers"));
	uint32_t next = 0;
	int r;

	for (uint32_t i = 0; i < chain->nrules; i++) {
		const struct bf_rule *rule = &chain->rules[i];
		struct bf_rule_rec rec = {
			.first_matcher = next,
			.nmatchers = rule->nmatchers,
			.verdict = rule->verdict,
			.flags = rule->counter ? BF_RULE_COUNTER : 0,
		};

		for (size_t j = 0; j < rule->nmatchers; j++, next++) {
			struct bf_matcher_rec mrec;

			r = bf_xlate_matcher(chain, &rule->matchers[j], &mrec);
			if (r)
				return r;
			r = bpf_map_update_elem(matchers_fd, &next, &mrec, BPF_ANY);
			if (r)
				return r;
		}
		r = bpf_map_update_elem(rules_fd, &i, &rec, BPF_ANY);
		if (r)
			return r;
	}
	return 0;
}

static int bf_prog_fill_sets(struct bf_prog *prog, const struct bf_chain *chain)
{
	int sets_fd = bpf_map__fd(bf_prog_map(prog, "bf_sets"));
	int elems_fd = bpf_map__fd(bf_prog_map(prog, "bf_set_elems"));
	int lpm_fd = bpf_map__fd(bf_prog_map(prog, "bf_set_lpm"));
	const uint8_t one = 1;
	int r;

	for (uint32_t i = 0; i < chain->nsets; i++) {
		const struct bf_set *set = &chain->sets[i];
		struct bf_set_rec rec;

		r = bf_xlate_set(set, &rec);
		if (r)
			return r;
		r = bpf_map_update_elem(sets_fd, &i, &rec, BPF_ANY);
		if (r)
			return r;

		for (size_t e = 0; e < set->nelems; e++) {
			if (rec.lpm) {
				struct bf_lpm_key key;

				bf_xlate_lpm_key(set, i, e, &key);
				r = bpf_map_update_elem(lpm_fd, &key, &one, BPF_ANY);
			} else {
				struct bf_set_key key;

				bf_xlate_set_key(set, i, e, &key);
				r = bpf_map_update_elem(elems_fd, &key, &one, BPF_ANY);
			}
			if (r)
				return r;
		}
	}
	return 0;
}

int bf_prog_load(const struct bf_chain *chain, struct bf_prog **prog, char *err, size_t errlen)
{
	_cleanup_bf_prog_ struct bf_prog *p = NULL;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return bf_err(err, errlen, -ENOMEM, "out of memory");

	r = bf_tmpl_open(chain->hook, &p->tmpl);
	if (r)
		return bf_err(err, errlen, r, "cannot open the template of chain '%s': %s",
			      chain->name, strerror(-r));

	p->nrules = chain->nrules;
	p->tmpl.cfg->nrules = chain->nrules;
	p->tmpl.cfg->hook = chain->hook;
	p->tmpl.cfg->policy = chain->policy;
	p->tmpl.cfg->debug = bf_log_bpf_enabled();

	r = bf_prog_size_maps(p, chain);
	if (r)
		return bf_err(err, errlen, r, "cannot size the maps of chain '%s': %s", chain->name,
			      strerror(-r));

	r = bpf_object__load(p->tmpl.obj);
	if (r)
		return bf_err(err, errlen, r, "cannot load the program of chain '%s': %s",
			      chain->name, strerror(-r));

	r = bf_prog_fill_rules(p, chain);
	r = r ?: bf_prog_fill_sets(p, chain);
	if (r)
		return bf_err(err, errlen, r, "cannot fill the maps of chain '%s': %s",
			      chain->name, strerror(errno ? errno : -r));

	*prog = TAKE_PTR(p);
	return 0;
}

void bf_prog_free(struct bf_prog **prog)
{
	if (!*prog)
		return;
	bf_tmpl_close(&(*prog)->tmpl);
	free(*prog);
	*prog = NULL;
}

int bf_prog_fd(const struct bf_prog *prog)
{
	return bpf_program__fd(prog->tmpl.prog);
}

struct bpf_program *bf_prog_bpf(const struct bf_prog *prog)
{
	return prog->tmpl.prog;
}

int bf_prog_read_counters(const struct bf_prog *prog, struct bf_counter *out, size_t n)
{
	int fd = bpf_map__fd(bf_prog_map(prog, "bf_counters"));
	int ncpus = libbpf_num_possible_cpus();
	_cleanup_free_ struct bf_counter *percpu = NULL;

	if (ncpus <= 0)
		return ncpus ?: -EINVAL;
	if (n != prog->nrules + 2)
		return -EINVAL;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;

	for (uint32_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		if (bpf_map_lookup_elem(fd, &i, percpu))
			return -errno;
		for (int c = 0; c < ncpus; c++) {
			out[i].packets += percpu[c].packets;
			out[i].bytes += percpu[c].bytes;
		}
	}
	return 0;
}
