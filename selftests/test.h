/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A test runner in the style of the kernel's test_progs: tests register
 * themselves with BF_TEST(), run by name (-t), and ASSERT_*() record a
 * failure and return false without stopping the test, so its cleanup runs.
 */
#ifndef BF_TEST_H
#define BF_TEST_H

#include <stdbool.h>
#include <stdio.h>

struct bf_test {
	const char *name;
	void (*fn)(void);
	struct bf_test *next;
};

void bf_test_register(struct bf_test *test);
/* Record a failure of the running test (file:line and message printed). */
void bf_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the running test skipped, with the reason. */
void bf_test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Verbose output (-v): extra diagnostics. */
bool bf_test_verbose(void);

#define BF_TEST(tname)                                                        \
	static void bf_test_fn_##tname(void);                                 \
	static struct bf_test bf_test_##tname = { .name = #tname,             \
						  .fn = bf_test_fn_##tname }; \
	__attribute__((constructor)) static void bf_test_reg_##tname(void)    \
	{                                                                     \
		bf_test_register(&bf_test_##tname);                           \
	}                                                                     \
	static void bf_test_fn_##tname(void)

#define ASSERT_TRUE(cond, ...)                                         \
	({                                                             \
		bool _ok_ = (cond);                                    \
		if (!_ok_)                                             \
			bf_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
		_ok_;                                                  \
	})

#define ASSERT_EQ(a, b, what)                                                         \
	({                                                                            \
		long long _a_ = (long long)(a), _b_ = (long long)(b);                 \
		ASSERT_TRUE(_a_ == _b_, "%s: got %lld, expected %lld", what, _a_, _b_); \
	})

#define ASSERT_OK(r, what) ASSERT_EQ((r), 0, what)

#endif /* BF_TEST_H */
