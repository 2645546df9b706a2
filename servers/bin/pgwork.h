/*
 * pgwork.h (servers/bin/) - what the paging workloads of pgwork share:
 * their options, a seeded PRNG (splitmix64, no libc rand), the page
 * patterns they write and check, and one function per workload
 * (pgwork_mem.c, pgwork_mat.c, pgwork_fork.c, pgwork_files.c).
 */
#ifndef SERVERS_BIN_PGWORK_H
#define SERVERS_BIN_PGWORK_H

#include <stddef.h>
#include <stdint.h>

#define PGW_PAGE 4096UL
#define PGW_WORDS (PGW_PAGE / sizeof(uint64_t)) /* 64-bit words in a page */
#define PGW_MAX_KIDS 64

struct pgw_opts {
	const char *name; /* the workload, for messages */
	uint64_t pages;   /* -n */
	uint64_t rounds;  /* -r */
	uint64_t seed;    /* -s */
	uint64_t kids;    /* -k, fork */
	uint64_t files;   /* -f, files */
};

/* splitmix64's finaliser: a good 64-bit mix of one word. */
static inline uint64_t pgw_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* splitmix64: the state steps by the golden ratio; every seed, 0
 * included, gives a full-period stream. */
static inline uint64_t pgw_rand(uint64_t *state)
{
	return pgw_mix(*state += 0x9e3779b97f4a7c15ull);
}

/* Uniform in [0, n) as floor(x * n / 2^64): no modulo bias worth the name
 * and no division (the same rule as the random policy). */
static inline uint64_t pgw_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)pgw_rand(state) * n) >> 64);
}

/* The tag of one version of one unit (a page, a file page): every word
 * written is derived from it, so a page from another round, another unit
 * or another seed does not pass the check. */
static inline uint64_t pgw_tag(uint64_t seed, uint64_t unit, uint64_t version)
{
	return pgw_mix(seed ^ pgw_mix(unit * 0x100000001b3ull + version));
}

/* Word w of a page tagged tag (one multiply: cheap enough to write and
 * check every word of every page). */
static inline uint64_t pgw_word(uint64_t tag, uint64_t w)
{
	return tag ^ (w * 0x9e3779b97f4a7c15ull);
}

void pgw_fill(uint64_t *page, uint64_t tag);
/* 0 if every word matches, else 1 after a message naming the first bad
 * word of "WHAT UNIT". */
int pgw_check(const struct pgw_opts *o, const uint64_t *page, uint64_t tag, const char *what,
	      uint64_t unit);

/* An anonymous private mapping of pages pages, or NULL after a message. */
uint64_t *pgw_map(const struct pgw_opts *o, uint64_t pages);
/* "pgwork: NAME: message" on stderr; returns 1, the workload's status. */
int pgw_fail(const struct pgw_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The workloads: 0 when everything read back was right, else 1 (the
 * message is printed). */
int pgw_seq(const struct pgw_opts *o);
int pgw_loop(const struct pgw_opts *o);
int pgw_rand_touch(const struct pgw_opts *o);
int pgw_zipf(const struct pgw_opts *o);
int pgw_matmul(const struct pgw_opts *o);
int pgw_matmul_blocked(const struct pgw_opts *o);
int pgw_fork(const struct pgw_opts *o);
int pgw_files(const struct pgw_opts *o);

#endif /* SERVERS_BIN_PGWORK_H */
