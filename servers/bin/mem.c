/*
 * mem.c (servers/bin/) - the pager's memory counters (pager_meminfo):
 * frames, faults by kind, COW copies and reuses, kills, the page cache
 * (pages held, dirty) and disk blocks read and written; then, when the
 * pager has page-out (PCTL_STAT succeeds), its policy, frame limit and
 * eviction and swap counters; last the pager's unused kernel quota of
 * each kind and one process's share. "name value" lines.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libsys.h"

/* The page-out counters; nothing when PCTL_STAT fails (no page-out). */
static void print_pagerstat(void)
{
	struct pg_pagerstat s;
	if (pager_ctl(PCTL_STAT, (uint64_t)&s, 0) < 0)
		return;
	s.policy[sizeof s.policy - 1] = 0;
	const struct {
		const char *name;
		uint64_t value;
	} rows[] = {
		{ "limit", s.limit },
		{ "evictions", s.evictions },
		{ "pageins", s.pageins },
		{ "pageouts", s.pageouts },
		{ "writebacks", s.writebacks },
		{ "drops", s.drops },
		{ "swap_used", s.swap_used },
		{ "swap_slots", s.swap_slots },
	};
	printf("policy %s\n", s.policy);
	for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++)
		printf("%s %llu\n", rows[i].name, (unsigned long long)rows[i].value);
}

int main(void)
{
	struct pg_meminfo mi = { 0 };
	long r = pager_meminfo(&mi);
	if (r < 0) {
		fprintf(stderr, "mem: %s\n", strerror((int)-r));
		return 1;
	}
	const struct {
		const char *name;
		uint64_t value;
	} rows[] = {
		{ "frames_total", mi.frames_total },
		{ "frames_free", mi.frames_free },
		{ "frames_used", mi.frames_used },
		{ "frames_shared", mi.frames_shared },
		{ "zero_fill_faults", mi.zero_faults },
		{ "file_faults", mi.file_faults },
		{ "cow_copies", mi.cow_copies },
		{ "cow_reuses", mi.cow_reuses },
		{ "kills", mi.kills },
		{ "pager_heap", mi.pager_heap },
		{ "cache_pages", mi.cache_pages },
		{ "cache_dirty", mi.cache_dirty },
		{ "disk_reads", mi.disk_reads },
		{ "disk_writes", mi.disk_writes },
	};
	for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++)
		printf("%s %llu\n", rows[i].name, (unsigned long long)rows[i].value);
	print_pagerstat();
	static const char *const kinds[KQ_COUNT] = {"pt_pages", "tasks", "threads", "endpoints",
						    "notifs"};
	for (unsigned k = 0; k < KQ_COUNT; k++)
		printf("kq_%s_free %llu\nkq_%s_share %llu\n", kinds[k],
		       (unsigned long long)mi.kq_free[k], kinds[k], (unsigned long long)mi.kq_share[k]);
	return 0;
}
