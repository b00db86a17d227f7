// SPDX-License-Identifier: GPL-2.0-only
/*
 * bf_selftests: runs every registered test, or those whose name contains
 * one of the -t patterns, and ends with "N passed, N failed".
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"

static struct bf_test *bf_tests;
static struct bf_test **bf_tests_tail = &bf_tests;
static int bf_cur_failed;
static int bf_cur_skipped;
static bool bf_verbose;

void bf_test_register(struct bf_test *test)
{
	*bf_tests_tail = test;
	bf_tests_tail = &test->next;
}

void bf_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	bf_cur_failed++;
}

void bf_test_skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  skipped: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	bf_cur_skipped = 1;
}

bool bf_test_verbose(void)
{
	return bf_verbose;
}

/* -t takes a comma-separated list of substrings. */
static bool bf_selected(const char *name, const char *filter)
{
	char buf[1024];
	char *tok, *save = NULL;

	if (!filter)
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strstr(name, tok))
			return true;
	}
	return false;
}

static double bf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	int passed = 0, failed = 0, skipped = 0, n = 0;
	bool list = false;
	int c;

	while ((c = getopt(argc, argv, "t:lvh")) != -1) {
		switch (c) {
		case 't':
			filter = optarg;
			break;
		case 'l':
			list = true;
			break;
		case 'v':
			bf_verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-t NAME[,NAME...]] [-l] [-v]\n", argv[0]);
			return c == 'h' ? EXIT_SUCCESS : EXIT_FAILURE;
		}
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (struct bf_test *t = bf_tests; t; t = t->next) {
		double start;

		if (!bf_selected(t->name, filter))
			continue;
		if (list) {
			printf("%s\n", t->name);
			continue;
		}
		bf_cur_failed = bf_cur_skipped = 0;
		start = bf_now();
		t->fn();
		n++;
		if (bf_cur_failed) {
			failed++;
			printf("#%-3d %-40s FAIL (%d assertion(s), %.2fs)\n", n, t->name,
			       bf_cur_failed, bf_now() - start);
		} else if (bf_cur_skipped) {
			skipped++;
			printf("#%-3d %-40s SKIP\n", n, t->name);
		} else {
			passed++;
			printf("#%-3d %-40s OK (%.2fs)\n", n, t->name, bf_now() - start);
		}
	}
	if (list)
		return EXIT_SUCCESS;
	if (!n && filter)
		fprintf(stderr, "no test matches '%s'\n", filter);
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed || !n ? EXIT_FAILURE : EXIT_SUCCESS;
}
