// SPDX-License-Identifier: GPL-2.0-only
#include "prog.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/helper.h"
#include "log.h"
#include "cls.h"
#include "rtest.h"
#include "tmpl.h"
#include "xlate.h"

static const char *const bf_map_names[_BF_MAP_MAX] = {
	[BF_MAP_RULES] = "bf_rules",	     [BF_MAP_MATCHERS] = "bf_matchers",
	[BF_MAP_SETS] = "bf_sets",	     [BF_MAP_SET_ELEMS] = "bf_set_elems",
	[BF_MAP_SET_LPM] = "bf_set_lpm",    [BF_MAP_COUNTERS] = "bf_counters",
	[BF_MAP_LOG] = "bf_log",	     [BF_MAP_LOG_TS] = "bf_log_ts",
	[BF_MAP_CLS_NODES] = "bf_cls_nodes", [BF_MAP_CLS_LIST] = "bf_cls_list",
	[BF_MAP_RULE_TESTS] = "bf_rule_tests",
};

/* The rules, their matchers and the classifier's tables are global arrays,
 * each in a data section of its own (engine.h): libbpf names their maps
 * after the section. They are pinned under bf_map_names all the same. */
static const char *const bf_map_secs[_BF_MAP_MAX] = {
	[BF_MAP_RULES] = ".data.rules",
	[BF_MAP_MATCHERS] = ".data.matchers",
	[BF_MAP_CLS_NODES] = ".data.cls_nodes",
	[BF_MAP_CLS_LIST] = ".data.cls_list",
	[BF_MAP_RULE_TESTS] = ".data.cls_tests",
};

/* A chain translated for its maps, before load: the rule and matcher
 * records, the rule tests and the classifier built from them, which are
 * written into the object's data sections (bf_prog_set_table()). */
struct bf_prog_recs {
	struct bf_rule_rec *rules;
	struct bf_matcher_rec *matchers;
	uint32_t *first;
	uint16_t *count;
	uint32_t nmatchers;
	struct bf_rule_test *tests;
	struct bf_cls cls;
};

static void bf_prog_recs_free(struct bf_prog_recs *recs)
{
	free(recs->rules);
	free(recs->matchers);
	free(recs->first);
	free(recs->count);
	free(recs->tests);
	bf_cls_free(&recs->cls);
}

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

static struct bpf_map *bf_tmpl_map(const struct bf_tmpl *tmpl, enum bf_map_id id)
{
	return bpf_object__find_map_by_name(tmpl->obj, bf_map_secs[id] ?: bf_map_names[id]);
}

static struct bf_prog *bf_prog_alloc(void)
{
	struct bf_prog *prog = calloc(1, sizeof(*prog));

	if (!prog)
		return NULL;
	prog->fd = -1;
	for (int i = 0; i < _BF_MAP_MAX; i++)
		prog->maps[i] = -1;
	return prog;
}

/* Set maps: the chain's elements, and room for an update-set (prog.h). */
static size_t bf_set_room(size_t n)
{
	return 2 * n + BF_SET_ROOM;
}

/* A ring buffer is a power of two pages: one page when nothing logs. */
static size_t bf_log_size(const struct bf_chain *chain)
{
	long page = sysconf(_SC_PAGESIZE);

	return bf_chain_logs(chain) ? BF_LOG_RING_SIZE : (size_t)(page > 0 ? page : 4096);
}

/*
 * A table, @n entries of @size bytes at @values: the single value of its
 * map, sized and written before load, so libbpf creates the map with it
 * (one copy, and no update after). A table of no entries still has one,
 * zeroed: a map value can't be empty.
 */
static int bf_prog_set_table(struct bpf_map *map, const void *values, uint32_t n, size_t size)
{
	size_t len;
	void *data;
	int r;

	if (!map)
		return -ENOENT;
	r = bpf_map__set_value_size(map, bf_max1(n) * size);
	if (r)
		return r;
	data = bpf_map__initial_value(map, &len);
	if (!data || len < (size_t)n * size)
		return -EINVAL;
	if (n)
		memcpy(data, values, (size_t)n * size);
	return 0;
}

/* Size the maps to the chain before load; a map can't be empty. */
static int bf_prog_size_maps(struct bf_tmpl *tmpl, const struct bf_chain *chain,
			     const struct bf_prog_recs *recs)
{
	size_t nmatchers = recs->nmatchers, nexact = 0, nlpm = 0;
	int r;

	for (size_t i = 0; i < chain->nsets; i++) {
		if (bf_set_is_prefix(&chain->sets[i]))
			nlpm += chain->sets[i].nelems;
		else
			nexact += chain->sets[i].nelems;
	}

	r = bf_prog_set_table(bf_tmpl_map(tmpl, BF_MAP_RULES), recs->rules, chain->nrules,
			      sizeof(*recs->rules));
	r = r ?: bf_prog_set_table(bf_tmpl_map(tmpl, BF_MAP_MATCHERS), recs->matchers, nmatchers,
				   sizeof(*recs->matchers));
	r = r ?: bpf_map__set_max_entries(bf_tmpl_map(tmpl, BF_MAP_SETS), bf_max1(chain->nsets));
	r = r ?: bpf_map__set_max_entries(bf_tmpl_map(tmpl, BF_MAP_SET_ELEMS), bf_set_room(nexact));
	r = r ?: bpf_map__set_max_entries(bf_tmpl_map(tmpl, BF_MAP_SET_LPM), bf_set_room(nlpm));
	r = r ?: bpf_map__set_max_entries(bf_tmpl_map(tmpl, BF_MAP_COUNTERS), chain->nrules + 2);
	r = r ?: bpf_map__set_max_entries(bf_tmpl_map(tmpl, BF_MAP_LOG), bf_log_size(chain));
	r = r ?: bpf_map__set_max_entries(bf_tmpl_map(tmpl, BF_MAP_LOG_TS), bf_max1(chain->nrules));
	r = r ?: bf_prog_set_table(bf_tmpl_map(tmpl, BF_MAP_CLS_NODES), recs->cls.nodes,
				   recs->cls.nnodes, sizeof(*recs->cls.nodes));
	r = r ?: bf_prog_set_table(bf_tmpl_map(tmpl, BF_MAP_CLS_LIST), recs->cls.list,
				   recs->cls.nlist, sizeof(*recs->cls.list));
	r = r ?: bf_prog_set_table(bf_tmpl_map(tmpl, BF_MAP_RULE_TESTS), recs->tests,
				   chain->nrules, sizeof(*recs->tests));
	return r;
}

/* Whether the chain needs the transport header parsed (bf_cfg.parse_l4):
 * a matcher, or a set's key, on its fields, the flow hash, or a log
 * entry, which shows the ports. */
static bool bf_prog_needs_l4(const struct bf_chain *chain, const struct bf_prog_recs *recs,
			     const struct bf_cfg *cfg)
{
	const uint32_t l4 = BF_PKT_TCP | BF_PKT_UDP | BF_PKT_ICMP | BF_PKT_ICMPV6 | BF_PKT_PORTS;

	if (cfg->flow_prob || bf_chain_logs(chain))
		return true;
	for (size_t i = 0; i < recs->nmatchers; i++) {
		if (recs->matchers[i].req & l4)
			return true;
	}
	return false;
}

/* Whether the first rule to match ends the walk (bf_cfg.first_match). */
static bool bf_prog_first_match(const struct bf_chain *chain)
{
	for (size_t i = 0; i < chain->nrules; i++) {
		if (chain->rules[i].verdict == BF_VERDICT_CONTINUE)
			return false;
	}
	return true;
}

static int bf_prog_translate(const struct bf_chain *chain, struct bf_prog_recs *recs)
{
	uint32_t next = 0;
	int r;

	for (size_t i = 0; i < chain->nrules; i++)
		recs->nmatchers += chain->rules[i].nmatchers;
	recs->rules = calloc(bf_max1(chain->nrules), sizeof(*recs->rules));
	recs->first = calloc(bf_max1(chain->nrules), sizeof(*recs->first));
	recs->count = calloc(bf_max1(chain->nrules), sizeof(*recs->count));
	recs->matchers = calloc(bf_max1(recs->nmatchers), sizeof(*recs->matchers));
	recs->tests = calloc(bf_max1(chain->nrules), sizeof(*recs->tests));
	if (!recs->rules || !recs->first || !recs->count || !recs->matchers || !recs->tests)
		return -ENOMEM;

	for (uint32_t i = 0; i < chain->nrules; i++) {
		const struct bf_rule *rule = &chain->rules[i];

		bf_xlate_rule(rule, next, &recs->rules[i]);
		recs->first[i] = next;
		recs->count[i] = rule->nmatchers;
		for (size_t j = 0; j < rule->nmatchers; j++, next++) {
			r = bf_xlate_matcher(chain, &rule->matchers[j], &recs->matchers[next]);
			if (r)
				return r;
		}
		bf_rule_test_build(&recs->matchers[recs->first[i]], rule->nmatchers,
				   &recs->tests[i]);
	}
	return bf_cls_build(recs->matchers, recs->first, recs->count, recs->tests, chain->nrules,
			    &recs->cls);
}

static int bf_prog_fill_sets(struct bf_prog *prog, const struct bf_chain *chain)
{
	int sets_fd = prog->maps[BF_MAP_SETS];
	int elems_fd = prog->maps[BF_MAP_SET_ELEMS];
	int lpm_fd = prog->maps[BF_MAP_SET_LPM];
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

/* Keep the program and maps by fd: the libbpf object goes away. */
static int bf_prog_take_fds(struct bf_prog *prog, const struct bf_tmpl *tmpl)
{
	prog->fd = fcntl(bpf_program__fd(tmpl->prog), F_DUPFD_CLOEXEC, 0);
	if (prog->fd < 0)
		return -errno;
	for (int i = 0; i < _BF_MAP_MAX; i++) {
		prog->maps[i] = fcntl(bpf_map__fd(bf_tmpl_map(tmpl, i)), F_DUPFD_CLOEXEC, 0);
		if (prog->maps[i] < 0)
			return -errno;
	}
	return 0;
}

/* -v bytecode: what the kernel runs, as bpftool shows it. */
static void bf_prog_dump_bytecode(const struct bf_prog *prog, const char *chain)
{
	char cmd[64], line[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "bpftool prog dump xlated id %u 2>&1", bf_prog_id(prog));
	f = popen(cmd, "r");
	if (!f) {
		bf_warn("cannot run bpftool to dump chain '%s': %s", chain, strerror(errno));
		return;
	}
	bf_info("bytecode of chain '%s' (program id %u):", chain, bf_prog_id(prog));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		bf_info("  %s", line);
	}
	if (pclose(f))
		bf_warn("bpftool could not dump chain '%s'", chain);
}

static int bf_prog_build(const struct bf_chain *chain, struct bf_tmpl *tmpl,
			 struct bf_prog_recs *recs, struct bf_prog *p, char *err, size_t errlen)
{
	char name[BF_PROG_NAME_LEN + 1];
	int r;

	bf_prog_name(chain->name, name);
	r = bf_tmpl_open(chain->hook, name, tmpl);
	if (r)
		return bf_err(err, errlen, r, "cannot open the template of chain '%s': %s",
			      chain->name, strerror(-r));

	if (chain->nsets >= BF_SET_MAX)
		return bf_err(err, errlen, -E2BIG, "chain '%s' has too many sets", chain->name);

	p->nrules = chain->nrules;
	r = bf_prog_translate(chain, recs);
	if (r)
		return bf_err(err, errlen, r, "cannot translate the rules of chain '%s': %s",
			      chain->name, strerror(-r));
	bf_xlate_cfg(chain, bf_log_bpf_enabled(), tmpl->cfg);
	tmpl->cfg->ntrees = recs->cls.ntrees;
	tmpl->cfg->nnodes = recs->cls.nnodes;
	memcpy(tmpl->cfg->cls_words, recs->cls.words, sizeof(tmpl->cfg->cls_words));
	bf_cls_roots(&recs->cls, tmpl->cfg->cls_roots);
	tmpl->cfg->nlist = recs->cls.nlist;
	tmpl->cfg->nmatchers = recs->nmatchers;
	tmpl->cfg->first_match = bf_prog_first_match(chain);
	tmpl->cfg->linear = tmpl->cfg->first_match && chain->nrules <= BF_CLS_LINEAR_MAX;
	tmpl->cfg->parse_l4 = bf_prog_needs_l4(chain, recs, tmpl->cfg);
	bf_dbg("chain '%s': %zu rules, classifier of %u trees, %u nodes, %u list entries, "
	       "largest leaf %u",
	       chain->name, chain->nrules, recs->cls.ntrees, recs->cls.nnodes, recs->cls.nlist,
	       recs->cls.max_leaf);

	r = bf_prog_size_maps(tmpl, chain, recs);
	if (r)
		return bf_err(err, errlen, r, "cannot size the maps of chain '%s': %s", chain->name,
			      strerror(-r));
	r = bpf_object__load(tmpl->obj);
	if (r)
		return bf_err(err, errlen, r, "cannot load the program of chain '%s': %s",
			      chain->name, strerror(-r));
	r = bf_prog_take_fds(p, tmpl);
	if (r)
		return bf_err(err, errlen, r, "cannot keep the program of chain '%s': %s",
			      chain->name, strerror(-r));

	/* The rules, matchers and classifier are in already
	 * (bf_prog_set_table()). */
	r = bf_prog_fill_sets(p, chain);
	if (r)
		return bf_err(err, errlen, r, "cannot fill the maps of chain '%s': %s",
			      chain->name, strerror(errno ? errno : -r));
	return 0;
}

int bf_prog_load(const struct bf_chain *chain, struct bf_prog **prog, char *err, size_t errlen)
{
	_cleanup_bf_prog_ struct bf_prog *p = bf_prog_alloc();
	struct bf_prog_recs recs = {};
	struct bf_tmpl tmpl;
	int r;

	if (!p)
		return bf_err(err, errlen, -ENOMEM, "out of memory");
	r = bf_prog_build(chain, &tmpl, &recs, p, err, errlen);
	bf_tmpl_close(&tmpl);
	bf_prog_recs_free(&recs);
	if (r)
		return r;
	if (bf_log_bytecode_enabled())
		bf_prog_dump_bytecode(p, chain->name);
	*prog = TAKE_PTR(p);
	return 0;
}

int bf_prog_pin(const struct bf_prog *prog, int dirfd)
{
	LIBBPF_OPTS(bpf_obj_pin_opts, opts, .file_flags = BPF_F_PATH_FD, .path_fd = dirfd);
	int r;

	r = bpf_obj_pin_opts(prog->fd, "prog", &opts);
	for (int i = 0; !r && i < _BF_MAP_MAX; i++)
		r = bpf_obj_pin_opts(prog->maps[i], bf_map_names[i], &opts);
	return r ? -errno : 0;
}

int bf_prog_restore(int dirfd, uint32_t nrules, struct bf_prog **prog)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_PATH_FD, .path_fd = dirfd);
	_cleanup_bf_prog_ struct bf_prog *p = bf_prog_alloc();

	if (!p)
		return -ENOMEM;
	p->nrules = nrules;
	p->fd = bpf_obj_get_opts("prog", &opts);
	if (p->fd < 0)
		return -errno;
	for (int i = 0; i < _BF_MAP_MAX; i++) {
		p->maps[i] = bpf_obj_get_opts(bf_map_names[i], &opts);
		if (p->maps[i] < 0)
			return -errno;
	}
	*prog = TAKE_PTR(p);
	return 0;
}

void bf_prog_free(struct bf_prog **prog)
{
	struct bf_prog *p = *prog;

	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	for (int i = 0; i < _BF_MAP_MAX; i++) {
		if (p->maps[i] >= 0)
			close(p->maps[i]);
	}
	free(p);
	*prog = NULL;
}

uint32_t bf_prog_id(const struct bf_prog *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_prog_get_info_by_fd(prog->fd, &info, &len))
		return 0;
	return info.id;
}

/* Sum @n per-CPU counters from @percpu (n x ncpus) into @out. */
static void bf_counters_sum(const struct bf_counter *percpu, int ncpus, struct bf_counter *out,
			    uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		for (int c = 0; c < ncpus; c++) {
			out[i].packets += percpu[(size_t)i * ncpus + c].packets;
			out[i].bytes += percpu[(size_t)i * ncpus + c].bytes;
		}
	}
}

/* In batches: one system call per 64k counters, not one each. */
int bf_prog_read_counters(const struct bf_prog *prog, struct bf_counter *out, size_t n)
{
	enum { BATCH = 65536 };
	int fd = prog->maps[BF_MAP_COUNTERS];
	int ncpus = libbpf_num_possible_cpus();
	uint32_t chunk = n < BATCH ? n : BATCH;
	_cleanup_free_ struct bf_counter *percpu = NULL;
	_cleanup_free_ uint32_t *keys = NULL;
	uint32_t done = 0, in = 0, cnt;

	if (ncpus <= 0)
		return ncpus ?: -EINVAL;
	if (n != prog->nrules + 2)
		return -EINVAL;
	percpu = calloc((size_t)chunk * ncpus, sizeof(*percpu));
	keys = calloc(chunk, sizeof(*keys));
	if (!percpu || !keys)
		return -ENOMEM;

	while (done < n) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		int r;

		cnt = n - done < chunk ? n - done : chunk;
		r = bpf_map_lookup_batch(fd, done ? &in : NULL, &in, keys, percpu, &cnt, &opts);
		if (r && errno != ENOENT)
			return -errno;
		bf_counters_sum(percpu, ncpus, &out[done], cnt);
		done += cnt;
		if (r)
			break;
	}
	return done == n ? 0 : -EIO;
}
