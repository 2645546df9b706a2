/*
 * mem.c (servers/bin/) - the pager's memory counters (pager_meminfo):
 * frames, faults by kind, COW copies and reuses, kills; "name value".
 */
#include <stdio.h>
#include <unistd.h>

#include "libsys.h"

int main(void)
{
	struct pg_meminfo mi;
	if (pager_meminfo(&mi) < 0) {
		static const char msg[] = "mem: cannot read the memory counters\n";
		write(2, msg, sizeof msg - 1);
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
	};
	for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++)
		printf("%s %llu\n", rows[i].name, (unsigned long long)rows[i].value);
	return 0;
}
