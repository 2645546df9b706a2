/*
 * pagerctl.c (servers/bin/) - the pager's page-out controls (PG_PAGERCTL,
 * libsys/pager.h): "stat [-m]" prints its counters, "policy NAME [SEED]",
 * "limit N[K|M|G]" and "rlimit PID N" set the eviction policy, the global
 * frame limit and a process's resident-page limit; "trace start" and
 * "trace dump" record the page faults in between ("trace: PAGE" lines, hex,
 * pid << 36 | virtual page number: a text trace for tools/pagersim).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libsys.h"

static int usage(void)
{
	fprintf(stderr, "usage: pagerctl stat [-m] | policy NAME [SEED] | limit N[K|M|G] |"
			" rlimit PID N |\n       trace start | trace dump\n");
	return 2;
}

/* A whole decimal number; with bytes set, a K, M or G suffix makes it
 * KiB, MiB or GiB, turned into 4 KiB frames (rounded down). 0, or -1. */
static int parse_count(const char *s, int bytes, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || errno)
		return -1;
	if (!*end) {
		*out = v;
		return 0;
	}
	const char *units = "KMG", *u = strchr(units, *end);
	if (!bytes || !u || end[1])
		return -1;
	int shift = 10 * (int)(u - units + 1);
	if (v > UINT64_MAX >> shift)
		return -1;
	*out = (v << shift) / 4096;
	return 0;
}

/* One PG_PAGERCTL; a failure is one line on stderr, in pager.h's words
 * where it gives an errno a meaning. */
static int ctl(const char *what, long op, uint64_t a, uint64_t b)
{
	long r = pager_ctl(op, a, b);
	if (r >= 0)
		return 0;
	if (op == PCTL_POLICY && r == -ENOENT)
		fprintf(stderr, "pagerctl: policy %s: no such policy\n", (const char *)a);
	else if (op == PCTL_POLICY && r == -EINVAL)
		fprintf(stderr, "pagerctl: policy %s: only the simulator has it\n",
			(const char *)a);
	else if (op == PCTL_LIMIT && r == -EINVAL)
		fprintf(stderr, "pagerctl: limit %llu: below the minimum, %d frames\n",
			(unsigned long long)a, PCTL_LIMIT_MIN);
	else
		fprintf(stderr, "pagerctl: %s: %s\n", what, strerror((int)-r));
	return 1;
}

static void stat_machine(const struct pg_pagerstat *s)
{
	printf("pagerstat policy=%s seed=%llu limit=%llu frames_used=%llu faults=%llu"
	       " evictions=%llu pageins=%llu pageouts=%llu writebacks=%llu drops=%llu"
	       " swap_slots=%llu swap_used=%llu\n",
	       s->policy, (unsigned long long)s->seed, (unsigned long long)s->limit,
	       (unsigned long long)s->frames_used, (unsigned long long)s->faults,
	       (unsigned long long)s->evictions, (unsigned long long)s->pageins,
	       (unsigned long long)s->pageouts, (unsigned long long)s->writebacks,
	       (unsigned long long)s->drops, (unsigned long long)s->swap_slots,
	       (unsigned long long)s->swap_used);
}

static void stat_table(const struct pg_pagerstat *s)
{
	const struct {
		const char *name;
		uint64_t value;
	} rows[] = {
		{ "seed", s->seed },
		{ "limit", s->limit },
		{ "frames_used", s->frames_used },
		{ "faults", s->faults },
		{ "evictions", s->evictions },
		{ "pageins", s->pageins },
		{ "pageouts", s->pageouts },
		{ "writebacks", s->writebacks },
		{ "drops", s->drops },
		{ "swap_slots", s->swap_slots },
		{ "swap_used", s->swap_used },
		{ "self_faults", s->self_faults },
		{ "self_pageins", s->self_pageins },
		{ "self_resident", s->self_resident },
		{ "self_swapped", s->self_swapped },
		{ "self_rlimit", s->self_rlimit },
	};
	printf("policy %s\n", s->policy);
	for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++)
		printf("%s %llu\n", rows[i].name, (unsigned long long)rows[i].value);
}

static int cmd_stat(int argc, char **argv)
{
	int machine = argc == 3 && !strcmp(argv[2], "-m");
	if (argc > 3 || (argc == 3 && !machine))
		return usage();
	struct pg_pagerstat s;
	if (ctl("stat", PCTL_STAT, (uint64_t)&s, 0))
		return 1;
	s.policy[sizeof s.policy - 1] = 0; /* the pager's string, not trusted */
	if (machine)
		stat_machine(&s);
	else
		stat_table(&s);
	return 0;
}

/* Read the record in chunks until the pager says it is done. */
static int trace_dump(void)
{
	static uint64_t buf[512];
	long n;
	while ((n = pager_ctl(PCTL_TRACE_READ, (uint64_t)buf, 512)) > 0)
		for (long i = 0; i < n; i++)
			printf("trace: %llx\n", (unsigned long long)buf[i]);
	if (n < 0) {
		fprintf(stderr, "pagerctl: trace: %s\n", strerror((int)-n));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t a = 1, b = 0;
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "stat"))
		return cmd_stat(argc, argv);
	if (!strcmp(cmd, "policy") && (argc == 3 || (argc == 4 && !parse_count(argv[3], 0, &a))))
		return ctl("policy", PCTL_POLICY, (uint64_t)argv[2], a);
	if (!strcmp(cmd, "limit") && argc == 3 && !parse_count(argv[2], 1, &a))
		return ctl("limit", PCTL_LIMIT, a, 0);
	if (!strcmp(cmd, "rlimit") && argc == 4 && !parse_count(argv[2], 0, &a) &&
	    !parse_count(argv[3], 0, &b))
		return ctl("rlimit", PCTL_RLIMIT, a, b);
	if (!strcmp(cmd, "trace") && argc == 3 && !strcmp(argv[2], "start"))
		return ctl("trace", PCTL_TRACE_START, 0, 0);
	if (!strcmp(cmd, "trace") && argc == 3 && !strcmp(argv[2], "dump"))
		return trace_dump();
	return usage();
}
