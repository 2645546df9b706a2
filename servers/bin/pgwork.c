/*
 * pgwork.c (servers/bin/) - "pgwork WORKLOAD [-n PAGES] [-r ROUNDS]
 * [-s SEED] [-k KIDS] [-f FILES]": the paging experiments' workloads
 * (docs/workloads.md). Runs one, checks every byte it reads back, and
 * prints one line of pager counter deltas (PG_PAGERCTL) and instructions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libsys.h"
#include "pgwork.h"

#define PGW_MAX_PAGES (1ULL << 24) /* 64 GiB: far past any guest, no overflow */

static const struct {
	const char *name;
	int (*run)(const struct pgw_opts *o);
	uint64_t rounds; /* default -r: one multiply is already N^3 */
} workloads[] = {
	{ "seq", pgw_seq, 4 },
	{ "rand", pgw_rand_touch, 4 },
	{ "zipf", pgw_zipf, 4 },
	{ "loop", pgw_loop, 4 },
	{ "matmul", pgw_matmul, 1 },
	{ "matmul-blocked", pgw_matmul_blocked, 1 },
	{ "fork", pgw_fork, 4 },
	{ "files", pgw_files, 4 },
};
#define NWORKLOADS (sizeof workloads / sizeof workloads[0])

void pgw_fill(uint64_t *page, uint64_t tag)
{
	for (uint64_t w = 0; w < PGW_WORDS; w++)
		page[w] = pgw_word(tag, w);
}

int pgw_check(const struct pgw_opts *o, const uint64_t *page, uint64_t tag, const char *what,
	      uint64_t unit)
{
	for (uint64_t w = 0; w < PGW_WORDS; w++)
		if (page[w] != pgw_word(tag, w))
			return pgw_fail(o, "%s %llu word %llu: got %#llx, want %#llx", what,
					(unsigned long long)unit, (unsigned long long)w,
					(unsigned long long)page[w],
					(unsigned long long)pgw_word(tag, w));
	return 0;
}

uint64_t *pgw_map(const struct pgw_opts *o, uint64_t pages)
{
	void *p = mmap(NULL, pages * PGW_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		pgw_fail(o, "mmap of %llu pages failed", (unsigned long long)pages);
		return NULL;
	}
	return p;
}

int pgw_fail(const struct pgw_opts *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "pgwork: %s: ", o->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: pgwork seq|rand|zipf|loop|matmul|matmul-blocked|fork|files\n"
			"              [-n PAGES] [-r ROUNDS] [-s SEED] [-k KIDS] [-f FILES]\n");
	return 2;
}

/* A whole decimal number in [min, max], or -1. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The options after the workload's name; 0, or -1 for usage. */
static int parse_options(int argc, char **argv, struct pgw_opts *o)
{
	int c, bad = 0;
	opterr = 0; /* the usage line says it all */
	while (!bad && (c = getopt(argc, argv, "n:r:s:k:f:")) != -1) {
		if (c == 'n')
			bad = parse_u64(optarg, 1, PGW_MAX_PAGES, &o->pages);
		else if (c == 'r')
			bad = parse_u64(optarg, 1, UINT32_MAX, &o->rounds);
		else if (c == 's')
			bad = parse_u64(optarg, 0, UINT64_MAX, &o->seed);
		else if (c == 'k')
			bad = parse_u64(optarg, 1, PGW_MAX_KIDS, &o->kids);
		else if (c == 'f')
			bad = parse_u64(optarg, 1, PGW_MAX_PAGES, &o->files);
		else
			bad = -1;
	}
	if (!bad && optind < argc)
		bad = -1; /* stray operand */
	return bad;
}

/* "name=delta", or "name=-1" when a PCTL_STAT call failed. */
static void print_delta(const char *name, int have, uint64_t before, uint64_t after)
{
	if (have)
		printf(" %s=%llu", name, (unsigned long long)(after - before));
	else
		printf(" %s=-1", name);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	unsigned i = 0;
	while (i < NWORKLOADS && strcmp(argv[1], workloads[i].name))
		i++;
	if (i == NWORKLOADS)
		return usage();
	struct pgw_opts o = { workloads[i].name, 1024, workloads[i].rounds, 1, 4, 32 };
	/* getopt sees the workload's name as the program's */
	if (parse_options(argc - 1, argv + 1, &o))
		return usage();

	/* The window: the stat calls stay outside the instructions counted. */
	struct pg_pagerstat s0, s1;
	int have = pager_ctl(PCTL_STAT, (uint64_t)&s0, 0) == 0;
	/* Under -icount instret also runs while every hart idles waiting for
	 * the disk: that part is reported apart (idle=). */
	uint64_t i0 = (uint64_t)sys_idle_instret(), t0 = rdinstret();
	int status = workloads[i].run(&o);
	uint64_t t1 = rdinstret(), i1 = (uint64_t)sys_idle_instret();
	have = have && pager_ctl(PCTL_STAT, (uint64_t)&s1, 0) == 0;
	if (status)
		return 1;

	printf("pgwork: workload=%s", o.name);
	print_delta("faults", have, s0.faults, s1.faults);
	print_delta("pageins", have, s0.pageins, s1.pageins);
	print_delta("pageouts", have, s0.pageouts, s1.pageouts);
	print_delta("writebacks", have, s0.writebacks, s1.writebacks);
	print_delta("evictions", have, s0.evictions, s1.evictions);
	printf(" instret=%llu idle=%llu ok\n", (unsigned long long)(t1 - t0 - (i1 - i0)),
	       (unsigned long long)(i1 - i0));
	return 0;
}
