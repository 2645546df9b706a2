/*
 * timer.c - the periodic scheduler tick (arch/). With Sstc the next tick is
 * one csrw stimecmp; without it (-cpu rv64,sstc=off) an SBI TIME call. Sstc
 * is probed at boot by trying stimecmp under a temporary trap vector.
 */
#include "arch.h"
#include "sched.h"

static uint64_t tick_hz, tick_interval, tick_next;
static bool has_sstc;

void arch_probe_trap(void);
volatile uint64_t arch_probe_faulted;

/* Read stimecmp under arch_probe_trap: an illegal-instruction trap means
 * Sstc is absent (or not enabled by the firmware in menvcfg.STCE). */
static bool timer_probe_sstc(void)
{
	uint64_t old = csr_read(stvec);
	arch_probe_faulted = 0;
	csr_write(stvec, (uint64_t)arch_probe_trap);
	__asm__ volatile("csrr t0, 0x14d" ::: "t0"); /* stimecmp */
	csr_write(stvec, old);
	return !arch_probe_faulted;
}

void timer_init(uint64_t timebase_hz)
{
	tick_hz = timebase_hz ? timebase_hz : 10000000;
	tick_interval = tick_hz / TICK_HZ;
	has_sstc = timer_probe_sstc();
	tick_next = timer_now();
	csr_set(sie, 1ULL << IRQ_S_TIMER);
	timer_arm_next();
}

bool timer_has_sstc(void) { return has_sstc; }
uint64_t timer_hz(void) { return tick_hz; }

uint64_t timer_now(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/* Program the next tick; skips ticks already missed so an idle-long hart
 * does not take a burst of them. */
void timer_arm_next(void)
{
	uint64_t now = timer_now();
	tick_next += tick_interval;
	if (tick_next <= now)
		tick_next = now + tick_interval;
	if (has_sstc)
		__asm__ volatile("csrw 0x14d, %0" ::"r"(tick_next));
	else
		sbi_set_timer(tick_next);
}
