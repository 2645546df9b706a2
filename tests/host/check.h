/*
 * check.h - minimal assertion helpers shared by the host unit tests.
 * Layer: tests/host (native builds only; uses libc stdio).
 *
 * Invariants: CHECK never aborts, it prints file:line and the expression
 * and bumps check_failures; check_report() returns nonzero if any CHECK
 * failed, so a test's main can `return check_report("name");`.
 * Include from exactly one translation unit per test executable.
 */
#ifndef TESTS_HOST_CHECK_H
#define TESTS_HOST_CHECK_H

#include <stdio.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                        \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
			check_failures++;                                  \
		}                                                          \
	} while (0)

/* Like CHECK(a == b) but also prints both values (as unsigned 64-bit). */
#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		unsigned long long check_a_ = (unsigned long long)(a);     \
		unsigned long long check_b_ = (unsigned long long)(b);     \
		check_count++;                                             \
		if (check_a_ != check_b_) {                                \
			fprintf(stderr,                                    \
				"%s:%d: CHECK failed: %s == %s "           \
				"(0x%llx != 0x%llx)\n",                    \
				__FILE__, __LINE__, #a, #b, check_a_,      \
				check_b_);                                 \
			check_failures++;                                  \
		}                                                          \
	} while (0)

static inline int check_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count,
	       check_failures);
	return check_failures != 0;
}

#endif /* TESTS_HOST_CHECK_H */
