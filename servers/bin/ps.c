/*
 * ps.c (servers/bin/) - list the processes the pager knows (pager_ps):
 * pid, parent, state, resident pages, page faults, COW copies, pages in
 * swap, pages read back from swap, and name.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libsys.h"

#define PS_MAX 64

static const char *state_name(uint32_t state)
{
	return state == 1 ? "run" : state == 2 ? "zombie" : "?";
}

int main(void)
{
	static struct pg_ps procs[PS_MAX];
	long n = pager_ps(procs, PS_MAX);
	if (n < 0) {
		static const char msg[] = "ps: cannot read the process table\n";
		write(2, msg, sizeof msg - 1);
		return 1;
	}
	printf("  PID  PPID STATE  RES FAULTS  COW SWAP PGIN NAME\n");
	for (long i = 0; i < n; i++) {
		const struct pg_ps *p = &procs[i];
		char name[PG_NAME_MAX + 1] = { 0 };
		memcpy(name, p->name, PG_NAME_MAX);
		printf("%5d %5d %-6s%4u %6u %4u %4u %4u %s\n", (int)p->pid, (int)p->ppid,
		       state_name(p->state), (unsigned)p->resident, (unsigned)p->faults,
		       (unsigned)p->cow_copies, (unsigned)p->swapped, (unsigned)p->pageins, name);
	}
	return 0;
}
