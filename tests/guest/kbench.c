/*
 * kbench.c - kernel benchmarks, run as the root task (root=kbench) under
 * tools/bench: null_syscall, ipc_roundtrip (call + reply between two
 * address spaces) and boot_to_user (kernel entry to our first
 * instruction, one sample per boot).
 */
#include "bench.h"
#include "libsys.h"
#include "root.h"

static uint64_t samples[BENCH_RUNS];

static void bench_null(void)
{
	for (int i = 0; i < BENCH_RUNS; i++) {
		uint64_t t0 = rdinstret();
		sys_null();
		samples[i] = rdinstret() - t0;
	}
	bench_report("null_syscall", samples, BENCH_RUNS);
}

/* The peer task answers every call at once with reply-and-receive. */
static void ipc_peer(long ep)
{
	struct msg m = {0};
	sys_recv(ep, &m);
	for (;;)
		sys_reply_recv(ep, &m);
}

static void bench_ipc(void)
{
	long ep = sys_ep_create(), thread;
	long task = root_clone_give(ipc_peer, 0, ep, R_RECV, PRIO_MAX, 8, &thread);
	struct msg m = {0};
	for (int i = 0; i < BENCH_RUNS; i++) {
		m.label = 1;
		uint64_t t0 = rdinstret();
		sys_call(ep, &m);
		samples[i] = rdinstret() - t0;
	}
	bench_report("ipc_roundtrip", samples, BENCH_RUNS);
	sys_task_kill(task);
}

int main(void)
{
	uint64_t boot = libsys_start_instret - libsys_bootinfo->kernel_entry_instret;
	root_init();
	printf("BOOT_TO_USER %lu\n", (unsigned long)boot);
	bench_null();
	bench_ipc();
	return 0;
}
