// SPDX-License-Identifier: GPL-2.0-only
/* bf_bench's output: the tables, the JSON file and the PNG (bench.h). */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/helper.h"
#include "lib/names.h"

#define BENCH_PLOT_TIMEOUT_MS 60000

static const struct bench_row *bench_find(const struct bench *b, const char *workload, uint32_t n,
					  const char *pkt_case)
{
	for (size_t i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];

		if (!strcmp(r->workload, workload) && r->n == n && !strcmp(r->pkt_case, pkt_case))
			return r;
	}
	return NULL;
}

static const struct bench_drow *bench_dfind(const struct bench *b, const char *workload, uint32_t n)
{
	for (size_t i = 0; i < b->ndrows; i++) {
		if (!strcmp(b->drows[i].workload, workload) && b->drows[i].n == n)
			return &b->drows[i];
	}
	return NULL;
}

static double bench_ns(const struct bench_row *r)
{
	return r && r->res.status != BENCH_SKIPPED ? r->res.ns : NAN;
}

/* A row's ns/packet over 1 rule's: the reference measured in the same
 * trials when there is one, else the 1-rule row. */
static double bench_over_one(const struct bench *b, const struct bench_row *r)
{
	if (r && !isnan(r->res.ref_ns) && r->res.ref_ns > 0)
		return bench_ns(r) / r->res.ref_ns;
	return bench_ns(r) / bench_ns(bench_find(b, "rules", 1, "last"));
}

/* ns/packet of @n rules, last rule matching, over that of 1 rule. */
static double bench_rules_ratio(const struct bench *b, uint32_t n)
{
	return bench_over_one(b, bench_find(b, "rules", n, "last"));
}

static double bench_per_item(const struct bench_row *row)
{
	return row && row->n ? (double)row->map_bytes / row->n : NAN;
}

static void bench_print_row(const struct bench_row *r)
{
	char rule[24] = "-", repeats[24] = "-", ns[16] = "-", floor[16] = "-", ratio[16] = "-";
	char per_n[24] = "-";
	const char *note = r->res.why;

	if (r->match >= 0)
		snprintf(rule, sizeof(rule), "%lld", (long long)r->match);
	else if (r->match == -1)
		snprintf(rule, sizeof(rule), "none");
	if (r->res.status != BENCH_SKIPPED) {
		snprintf(repeats, sizeof(repeats), "%ux%u", r->res.trials, r->res.repeat);
		snprintf(ns, sizeof(ns), "%.1f", r->res.ns);
		snprintf(floor, sizeof(floor), "%.1f", r->res.floor_ns);
		snprintf(ratio, sizeof(ratio), "%.2f", r->res.ns / r->res.floor_ns);
	}
	if (r->n)
		snprintf(per_n, sizeof(per_n), "%.1f", bench_per_item(r));
	if (!*note && strcmp(r->hook, r->floor_hook))
		note = "(XDP floor)";
	printf("%-10s %-25s %7u %-5s %7s %10s %6s %9s %9s %8.1f %8.1f %10llu %8s  %s\n",
	       r->workload, r->hook, r->n, r->pkt_case, rule, ns, floor, ratio, repeats,
	       r->parse_ms, r->load_ms, (unsigned long long)r->map_bytes, per_n, note);
}

static void bench_print_drows(const struct bench *b)
{
	if (!b->ndrows)
		return;
	printf("\nThrough the daemon (transient, XDP on a veth interface): bfcli wall time, "
	       "median of runs [min-max]\n\n");
	printf("%-10s %7s %9s %10s %22s %22s %4s\n", "workload", "n", "file MB", "dry-run ms",
	       "chain set ms", "chain update ms", "runs");
	for (size_t i = 0; i < b->ndrows; i++) {
		const struct bench_drow *d = &b->drows[i];
		char set[48], update[48];

		snprintf(set, sizeof(set), "%.0f [%.0f-%.0f]", d->set_ms, d->set_min_ms,
			 d->set_max_ms);
		snprintf(update, sizeof(update), "%.0f [%.0f-%.0f]", d->update_ms, d->update_min_ms,
			 d->update_max_ms);
		printf("%-10s %7u %9.1f %10.0f %22s %22s %4u\n", d->workload, d->n,
		       d->file_bytes / 1e6, d->dry_run_ms, set, update, d->runs);
	}
}

static double bench_dval(const struct bench *b, const char *workload, uint32_t n, bool update)
{
	const struct bench_drow *d = bench_dfind(b, workload, n);

	return d ? (update ? d->update_ms : d->set_ms) : NAN;
}

/* Ratios: two decimals while small, whole numbers past 100. */
static const char *bench_fmt_ratio(double v, char *buf, size_t size)
{
	if (isnan(v) || isinf(v))
		snprintf(buf, size, "not measured");
	else
		snprintf(buf, size, v < 100 ? "%.2f" : "%.0f", v);
	return buf;
}

static void bench_print_ms(const char *what, double ms)
{
	if (isnan(ms))
		printf("  %-50s not measured\n", what);
	else
		printf("  %-50s %.0f ms\n", what, ms);
}

static void bench_print_ratio_rules(const struct bench *b, const char *what, uint32_t n)
{
	const struct bench_row *r = bench_find(b, "rules", n, "last");
	char v[32];

	printf("  %-50s %s\n", what, bench_fmt_ratio(bench_rules_ratio(b, n), v, sizeof(v)));
	if (r && r->res.status != BENCH_FULL)
		printf("  %-50s (%s)\n", "", r->res.why);
}

static void bench_print_targets(const struct bench *b)
{
	static const char *const acl_cases[] = { "hit10", "hit50", "hit90", "miss" };
	const struct bench_row *one = bench_find(b, "rules", 1, "last");
	double per_rule = bench_per_item(bench_find(b, "rules", 100000, "last"));
	const char *sep = "";
	char v[32];

	printf("\nTargets (issue 5; ratios of ns/packet, reported, not judged; \"/ 1 rule\": to the\n"
	       "1-rule chain run in the same trials as the case)\n\n");
	printf("  %-50s ", "empty chain / floor");
	for (size_t i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];

		if (strcmp(r->workload, "empty") || r->res.status == BENCH_SKIPPED)
			continue;
		printf("%s%s %s", sep, r->hook,
		       bench_fmt_ratio(r->res.ns / r->res.floor_ns, v, sizeof(v)));
		sep = ", ";
	}
	printf("\n  %-50s %s\n", "1 rule / floor",
	       bench_fmt_ratio(one ? bench_ns(one) / one->res.floor_ns : NAN, v, sizeof(v)));
	bench_print_ratio_rules(b, "10k rules, last matching / 1 rule", 10000);
	bench_print_ratio_rules(b, "100k rules, last matching / 1 rule", 100000);
	bench_print_ratio_rules(b, "1M rules, last matching / 1 rule", 1000000);
	printf("  %-50s ", "10k-rule ACL / 1 rule");
	for (size_t i = 0; i < ARRAY_SIZE(acl_cases); i++) {
		double r = bench_over_one(b, bench_find(b, "acl", 10000, acl_cases[i]));

		printf("%s%s %s", i ? ", " : "", acl_cases[i],
		       isnan(r) ? "-" : bench_fmt_ratio(r, v, sizeof(v)));
	}
	printf("\n");
	bench_print_ms("load 10k rules: bfcli chain set to attached",
		       bench_dval(b, "rules", 10000, false));
	bench_print_ms("load 100k rules: bfcli chain set to attached",
		       bench_dval(b, "rules", 100000, false));
	bench_print_ms("chain update, 10k rules", bench_dval(b, "rules", 10000, true));
	if (isnan(per_rule))
		printf("  %-50s not measured\n", "map bytes per rule at 100k rules");
	else
		printf("  %-50s %.1f\n", "map bytes per rule at 100k rules", per_rule);
}

void bench_print(const struct bench *b)
{
	printf("\nbf_bench%s%s: CPU %d, %u trials x %u repeats (median), %.0f s budget per case, "
	       "64-byte IPv4 packets%s\n\n",
	       *b->label ? " " : "", b->label, b->cpu, b->cfg.trials, b->cfg.repeat,
	       b->cfg.budget_s, b->quick ? ", quick" : "");
	printf("%-10s %-25s %7s %-5s %7s %10s %6s %9s %9s %8s %8s %10s %8s  %s\n", "workload",
	       "hook", "n", "case", "rule", "ns/pkt", "floor", "ratio", "repeats", "parse ms",
	       "load ms", "map bytes", "bytes/n", "note");
	for (size_t i = 0; i < b->nrows; i++)
		bench_print_row(&b->rows[i]);
	bench_print_drows(b);
	bench_print_targets(b);
	printf("\nbf_bench: %.0f s\n", b->elapsed_s);
}

static void bench_json_num(FILE *f, const char *key, double v, const char *sep)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "\"%s\": null%s", key, sep);
	else
		fprintf(f, "\"%s\": %.3f%s", key, v, sep);
}

/* A string we wrote ourselves: only quotes and backslashes to escape. */
static void bench_json_str(FILE *f, const char *key, const char *s, const char *sep)
{
	fprintf(f, "\"%s\": \"", key);
	for (; *s; s++)
		fprintf(f, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	fprintf(f, "\"%s", sep);
}

static void bench_json_row(FILE *f, const struct bench_row *r, bool last)
{
	static const char *const status[] = { "full", "reduced", "skipped" };
	bool measured = r->res.status != BENCH_SKIPPED;

	fprintf(f, "    {");
	bench_json_str(f, "workload", r->workload, ", ");
	bench_json_str(f, "hook", r->hook, ", ");
	bench_json_str(f, "floor_hook", r->floor_hook, ", ");
	fprintf(f, "\"n\": %u, ", r->n);
	bench_json_str(f, "case", r->pkt_case, ", ");
	if (r->match >= -1)
		fprintf(f, "\"match_rule\": %lld, ", (long long)r->match);
	bench_json_str(f, "verdict", bf_verdict_to_str(r->expect) ?: "?", ", ");
	bench_json_str(f, "status", status[r->res.status], ", ");
	bench_json_str(f, "note", r->res.why, ", ");
	fprintf(f, "\"trials\": %u, \"repeat\": %u, ", measured ? r->res.trials : 0,
		measured ? r->res.repeat : 0);
	bench_json_num(f, "ns_per_pkt", r->res.ns, ", ");
	bench_json_num(f, "floor_ns_per_pkt", r->res.floor_ns, ", ");
	bench_json_num(f, "ratio", r->res.ns / r->res.floor_ns, ", ");
	bench_json_num(f, "ref_ns_per_pkt", r->res.ref_ns, ", ");
	bench_json_num(f, "probe_ns_per_pkt", r->res.probe_ns > 0 ? r->res.probe_ns : NAN, ", ");
	bench_json_num(f, "parse_ms", r->parse_ms, ", ");
	bench_json_num(f, "load_ms", r->load_ms, ", ");
	fprintf(f, "\"map_bytes\": %llu, ", (unsigned long long)r->map_bytes);
	bench_json_num(f, "map_bytes_per_n", r->n ? bench_per_item(r) : NAN, "");
	fprintf(f, "}%s\n", last ? "" : ",");
}

static void bench_json_drow(FILE *f, const struct bench_drow *d, bool last)
{
	fprintf(f, "    {");
	bench_json_str(f, "workload", d->workload, ", ");
	fprintf(f, "\"n\": %u, \"runs\": %u, \"file_bytes\": %llu, ", d->n, d->runs,
		(unsigned long long)d->file_bytes);
	bench_json_num(f, "dry_run_ms", d->dry_run_ms, ", ");
	bench_json_num(f, "set_ms", d->set_ms, ", ");
	bench_json_num(f, "set_min_ms", d->set_min_ms, ", ");
	bench_json_num(f, "set_max_ms", d->set_max_ms, ", ");
	bench_json_num(f, "update_ms", d->update_ms, ", ");
	bench_json_num(f, "update_min_ms", d->update_min_ms, ", ");
	bench_json_num(f, "update_max_ms", d->update_max_ms, "");
	fprintf(f, "}%s\n", last ? "" : ",");
}

static void bench_json_targets(FILE *f, const struct bench *b)
{
	static const char *const acl_cases[] = { "hit10", "hit50", "hit90", "miss" };
	const struct bench_row *one = bench_find(b, "rules", 1, "last");
	bool first = true;

	fprintf(f, "  \"targets\": {\n    \"empty_over_floor\": {");
	for (size_t i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];

		if (strcmp(r->workload, "empty") || r->res.status == BENCH_SKIPPED)
			continue;
		fprintf(f, "%s", first ? "" : ", ");
		bench_json_num(f, r->hook, r->res.ns / r->res.floor_ns, "");
		first = false;
	}
	fprintf(f, "},\n    ");
	bench_json_num(f, "rule1_over_floor", one ? bench_ns(one) / one->res.floor_ns : NAN,
		       ",\n    ");
	bench_json_num(f, "rules10k_last_over_rule1", bench_rules_ratio(b, 10000), ",\n    ");
	bench_json_num(f, "rules100k_last_over_rule1", bench_rules_ratio(b, 100000), ",\n    ");
	bench_json_num(f, "rules1m_last_over_rule1", bench_rules_ratio(b, 1000000), ",\n    ");
	fprintf(f, "\"acl10k_over_rule1\": {");
	for (size_t i = 0; i < ARRAY_SIZE(acl_cases); i++)
		bench_json_num(f, acl_cases[i],
			       bench_over_one(b, bench_find(b, "acl", 10000, acl_cases[i])),
			       i + 1 < ARRAY_SIZE(acl_cases) ? ", " : "");
	fprintf(f, "},\n    ");
	bench_json_num(f, "load_10k_ms", bench_dval(b, "rules", 10000, false), ",\n    ");
	bench_json_num(f, "load_100k_ms", bench_dval(b, "rules", 100000, false), ",\n    ");
	bench_json_num(f, "update_10k_ms", bench_dval(b, "rules", 10000, true), ",\n    ");
	bench_json_num(f, "map_bytes_per_rule_100k",
		       bench_per_item(bench_find(b, "rules", 100000, "last")), "\n");
	fprintf(f, "  },\n");
}

/* The directory of @path, one level (build/bench). */
static void bench_mkdir_for(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;

	if (slash) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
}

int bench_write_json(const struct bench *b)
{
	FILE *f;

	bench_mkdir_for(b->json);
	f = fopen(b->json, "w");
	if (!f) {
		fprintf(stderr, "bf_bench: %s: %s\n", b->json, strerror(errno));
		return -errno;
	}
	fprintf(f, "{\n  ");
	bench_json_str(f, "label", b->label, ",\n  ");
	fprintf(f, "\"quick\": %s,\n  \"cpu\": %d,\n", b->quick ? "true" : "false", b->cpu);
	fprintf(f, "  \"trials\": %u,\n  \"repeat\": %u,\n  \"min_repeat\": %u,\n", b->cfg.trials,
		b->cfg.repeat, b->cfg.min_repeat);
	fprintf(f, "  \"budget_s\": %.1f,\n  \"packet_bytes\": 64,\n  \"elapsed_s\": %.1f,\n",
		b->cfg.budget_s, b->elapsed_s);
	bench_json_targets(f, b);
	fprintf(f, "  \"results\": [\n");
	for (size_t i = 0; i < b->nrows; i++)
		bench_json_row(f, &b->rows[i], i + 1 == b->nrows);
	fprintf(f, "  ],\n  \"daemon\": [\n");
	for (size_t i = 0; i < b->ndrows; i++)
		bench_json_drow(f, &b->drows[i], i + 1 == b->ndrows);
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

/* A line of the plot: a workload's case against n. */
struct bench_series {
	const char *workload;
	const char *pkt_case;
	const char *title;
	const char *style;
};

static const struct bench_series bench_series[] = {
	{ "rules", "first", "rules: first matches", "lc rgb '#1b9e77' pt 7" },
	{ "rules", "last", "rules: last matches", "lc rgb '#d95f02' pt 7" },
	{ "rules", "none", "rules: none matches", "lc rgb '#7570b3' pt 7" },
	{ "acl", "hit10", "ACL: hit near 10 %", "lc rgb '#e7298a' pt 5" },
	{ "acl", "hit50", "ACL: hit near 50 %", "lc rgb '#66a61e' pt 5" },
	{ "acl", "hit90", "ACL: hit near 90 %", "lc rgb '#e6ab02' pt 5" },
	{ "acl", "miss", "ACL: miss (policy)", "lc rgb '#a6761d' pt 5" },
	{ "set", "hit", "set (exact): hit", "lc rgb '#666666' pt 9 dt 3" },
	{ "prefix-set", "hit", "set (prefix): hit", "lc rgb '#999999' pt 11 dt 3" },
};

static size_t bench_write_block(FILE *f, const struct bench *b, const struct bench_series *s,
				size_t id)
{
	size_t n = 0;

	for (size_t i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];

		if (strcmp(r->workload, s->workload) || strcmp(r->pkt_case, s->pkt_case) ||
		    r->res.status == BENCH_SKIPPED)
			continue;
		if (!n++)
			fprintf(f, "$s%zu << EOD\n", id);
		fprintf(f, "%u %.2f\n", r->n, r->res.ns);
	}
	if (n)
		fprintf(f, "EOD\n");
	return n;
}

/* The floor next to each N of the rules workload (mean of its rows);
 * the cases skipped, at their probe's estimate. */
static void bench_write_extra_blocks(FILE *f, const struct bench *b, bool *floor, bool *probe)
{
	*floor = *probe = false;
	for (size_t i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];
		double sum = 0;
		int cnt = 0;

		if (strcmp(r->workload, "rules") || strcmp(r->pkt_case, "first"))
			continue;
		for (size_t j = 0; j < b->nrows; j++) {
			const struct bench_row *o = &b->rows[j];

			if (!strcmp(o->workload, "rules") && o->n == r->n &&
			    o->res.status != BENCH_SKIPPED) {
				sum += o->res.floor_ns;
				cnt++;
			}
		}
		if (!cnt)
			continue;
		fprintf(f, "%s%u %.2f\n", *floor ? "" : "$floor << EOD\n", r->n, sum / cnt);
		*floor = true;
	}
	if (*floor)
		fprintf(f, "EOD\n");
	for (size_t i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];

		if (r->res.status != BENCH_SKIPPED || !(r->res.probe_ns > 0))
			continue;
		fprintf(f, "%s%u %.2f\n", *probe ? "" : "$probe << EOD\n", r->n, r->res.probe_ns);
		*probe = true;
	}
	if (*probe)
		fprintf(f, "EOD\n");
}

/* -ENODATA when there is nothing to draw. */
static int bench_write_plot(const struct bench *b, const char *script)
{
	bool used[ARRAY_SIZE(bench_series)], sep = false, floor, probe;
	FILE *f = fopen(script, "w");

	if (!f)
		return -errno;
	fprintf(f, "set terminal pngcairo size 1200,750 font ',10'\nset output '%s'\n", b->png);
	fprintf(f, "set title 'bf\\_bench%s%s: ns/packet against N (median; %s)'\n",
		*b->label ? " " : "", b->label, b->quick ? "quick run" : "full run");
	fprintf(f, "set logscale xy\nset grid\nset key outside right top\n"
		   "set xlabel 'N: rules, or set elements'\nset ylabel 'ns/packet'\n"
		   "set format x '10^{%%L}'\nset format y '10^{%%L}'\nset xrange [0.5:2e6]\n");
	/* Data blocks first: the plot command refers to them. */
	bench_write_extra_blocks(f, b, &floor, &probe);
	for (size_t i = 0; i < ARRAY_SIZE(bench_series); i++)
		used[i] = bench_write_block(f, b, &bench_series[i], i) > 0;

	fprintf(f, "plot ");
	if (floor) {
		fprintf(f, "$floor w lp lw 2 dt 2 lc rgb 'black' pt 1 t 'floor (return PASS)'");
		sep = true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(bench_series); i++) {
		if (!used[i])
			continue;
		fprintf(f, "%s$s%zu w lp lw 2 %s t '%s'", sep ? ", \\\n     " : "", i,
			bench_series[i].style, bench_series[i].title);
		sep = true;
	}
	if (probe)
		fprintf(f, "%s$probe w p pt 6 ps 2 lc rgb 'red' t 'skipped: probe estimate'",
			sep ? ", \\\n     " : "");
	fprintf(f, "\n");
	if (fclose(f))
		return -errno;
	return sep || probe ? 0 : -ENODATA;
}

int bench_plot(const struct bench *b)
{
	char script[PATH_MAX];
	char *argv[] = { "gnuplot", script, NULL };
	size_t len = strlen(b->png);
	int r;

	/* results.png -> results.gp, kept to redraw or restyle the plot. */
	snprintf(script, sizeof(script), "%.*s.gp",
		 (int)(len > 4 && !strcmp(b->png + len - 4, ".png") ? len - 4 : len), b->png);
	bench_mkdir_for(b->png);
	r = bench_write_plot(b, script);
	if (r == -ENODATA) {
		fprintf(stderr, "bf_bench: nothing to plot, no PNG\n");
		return r;
	}
	if (r) {
		fprintf(stderr, "bf_bench: %s: %s\n", script, strerror(-r));
		return r;
	}
	r = bench_spawn(b, argv, NULL, BENCH_PLOT_TIMEOUT_MS, NULL);
	if (r) {
		fprintf(stderr,
			"bf_bench: warning: gnuplot failed (exit %d), no PNG; the script is %s "
			"(scripts/install-deps.sh installs gnuplot-nox)\n",
			r, script);
		return -EIO;
	}
	return 0;
}
