// SPDX-License-Identifier: GPL-2.0-only
/* The chains of the workloads, in bfcli's language (bench.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "acl.h"
#include "bench.h"

/* Where the update variant's addresses start: past any N's variant 0. */
#define BENCH_VARIANT_STRIDE (1U << 21)

uint32_t bench_rule_addr(uint32_t i)
{
	return 0xac100001U + i; /* 172.16.0.1 */
}

uint32_t bench_set_net(uint32_t i)
{
	return 0x0a000000U + (i << 8); /* 10.0.0.0/24 */
}

uint64_t bench_acl_seed(uint32_t n, uint32_t variant)
{
	/* Fixed: the same ACL on every run and every machine. */
	return 0x62665f62656e6368ULL ^ ((uint64_t)variant << 32) ^ n;
}

const char *bench_work_name(enum bench_work w)
{
	static const char *const names[] = {
		[BENCH_RULES] = "rules",
		[BENCH_ACL] = "acl",
		[BENCH_SET] = "set",
		[BENCH_PREFIX_SET] = "prefix-set",
	};

	return names[w];
}

static const char *bench_ntop(uint32_t addr, char *buf)
{
	struct in_addr a = { .s_addr = htonl(addr) };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void bench_write_rules(FILE *f, const char *hook, uint32_t n, uint32_t first)
{
	char addr[INET_ADDRSTRLEN];

	fprintf(f, "chain bench %s ACCEPT\n", hook);
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "rule ip4.saddr eq %s DROP\n",
			bench_ntop(bench_rule_addr(first + i), addr));
}

static void bench_write_set(FILE *f, const char *hook, uint32_t n, bool prefix, uint32_t first)
{
	const char *key = prefix ? "ip4.snet" : "ip4.saddr";
	char addr[INET_ADDRSTRLEN];

	fprintf(f, "chain bench %s ACCEPT\nset s (%s) in {\n", hook, key);
	for (uint32_t i = first; i < first + n; i++) {
		if (prefix)
			fprintf(f, "%s/24\n", bench_ntop(bench_set_net(i), addr));
		else
			fprintf(f, "%s\n", bench_ntop(bench_rule_addr(i), addr));
	}
	fprintf(f, "}\nrule (%s) in s DROP\n", key);
}

static int bench_write_acl(FILE *f, const char *hook, uint32_t n, uint32_t variant)
{
	struct bench_acl acl;
	int r = bench_acl_gen(&acl, n, bench_acl_seed(n, variant));

	if (r)
		return r;
	r = bench_acl_write(&acl, hook, f);
	bench_acl_free(&acl);
	return r;
}

int bench_write_chain(FILE *f, enum bench_work w, const char *hook, uint32_t n, uint32_t variant)
{
	uint32_t first = variant * BENCH_VARIANT_STRIDE;

	switch (w) {
	case BENCH_RULES:
		bench_write_rules(f, hook, n, first);
		break;
	case BENCH_ACL:
		return bench_write_acl(f, hook, n, variant);
	case BENCH_SET:
	case BENCH_PREFIX_SET:
		bench_write_set(f, hook, n, w == BENCH_PREFIX_SET, first);
		break;
	}
	return ferror(f) ? -EIO : 0;
}

char *bench_chain_text(enum bench_work w, const char *hook, uint32_t n, uint32_t variant)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return NULL;
	r = bench_write_chain(f, w, hook, n, variant);
	if (fclose(f) || r) {
		free(text);
		return NULL;
	}
	return text;
}
