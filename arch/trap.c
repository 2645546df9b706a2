/*
 * trap.c - trap dispatch in C (arch/), called by trap.S. Reads scause and
 * hands the event to its layer: ecall -> sched/syscall.c, interrupts ->
 * timer tick and sched/irq.c, every other exception -> fault/fault.c.
 * Before any return to user it installs the next thread's address space
 * and FPU state (trap_leave), then trap.S restores its registers.
 */
#include "arch.h"
#include "fault.h"
#include "sched.h"

void trap_init(void)
{
	csr_write(stvec, (uint64_t)trap_entry);
	csr_write(sscratch, 0);
	csr_write(scounteren, 7); /* user may read cycle, time, instret */
	csr_clear(sstatus, SSTATUS_SIE | SSTATUS_SPP | SSTATUS_FS_MASK);
}

/* Lazy FPU: a thread that never used the FPU runs with FS = Off; its first
 * FP instruction traps (illegal instruction) and trap_fpu_first turns it on.
 * Registers move only when the FPU passes from one FP user to another;
 * a dying owner clears hart->fp_owner (sched/task.c). */
static void trap_fpu(struct hart *h, struct thread *t)
{
	if (!t->fp_used) {
		if (h->fp_owner || h->fp_on) {
			csr_clear(sstatus, SSTATUS_FS_MASK);
			h->fp_on = false;
		}
		return;
	}
	h->fp_on = true;
	csr_set(sstatus, SSTATUS_FS_DIRTY); /* any non-Off state enables it */
	if (h->fp_owner != t) {
		if (h->fp_owner)
			fpu_save(&h->fp_owner->fp);
		fpu_load(&t->fp);
		h->fp_owner = t;
	}
}

/* Install t's address space and FPU state: only when the thread changes. */
static struct thread *trap_switch(struct hart *h, struct thread *t)
{
	if (h->current && h->current->state == TS_RUNNING)
		sched_ready(h->current); /* still runnable: back on its queue */
	h->current = t;
	t->state = TS_RUNNING;
	if (h->space != t->task) {
		h->space = t->task;
#if KPTI
		h->kpti_slot->user_satp = t->task->satp; /* trap_kpti.S loads it */
#else
		mmu_switch(t->task->satp);
#endif
	}
	trap_fpu(h, t);
	return t;
}

static inline struct thread *trap_leave(struct thread *t)
{
	struct hart *h = this_hart();
	if (t == h->current) {
		t->state = TS_RUNNING; /* it may have queued itself (yield) */
		return t;              /* its satp and FPU state are in place */
	}
	return trap_switch(h, t);
}

/* Before reading t's FPU state: if its registers are live, save them. */
void fpu_sync(struct thread *t)
{
	struct hart *h = this_hart();
	if (h->fp_owner != t)
		return;
	csr_set(sstatus, SSTATUS_FS_DIRTY);
	fpu_save(&t->fp);
	if (h->current && !h->current->fp_used) /* the caller: FPU off again */
		csr_clear(sstatus, SSTATUS_FS_MASK);
	else
		h->fp_on = true;
}

/* After t's FPU state was written: live registers are stale now. For the
 * running thread load them at once (trap_leave skips an unchanged thread). */
void fpu_reload(struct thread *t)
{
	struct hart *h = this_hart();
	if (h->current == t && t->fp_used) {
		csr_set(sstatus, SSTATUS_FS_DIRTY);
		h->fp_on = true;
		if (h->fp_owner && h->fp_owner != t)
			fpu_save(&h->fp_owner->fp);
		fpu_load(&t->fp);
		h->fp_owner = t;
	} else {
		if (h->fp_owner == t)
			h->fp_owner = NULL;
		if (h->current == t) { /* no FP user any more: trap on first use */
			csr_clear(sstatus, SSTATUS_FS_MASK);
			h->fp_on = false;
		}
	}
}

static struct thread *trap_interrupt(struct thread *t, uint64_t cause)
{
	if (cause == (SCAUSE_INTR | IRQ_S_TIMER))
		sched_tick();
	else if (cause == (SCAUSE_INTR | IRQ_S_EXT))
		irq_handle();
	return sched_resume(t);
}

/* FS = Off and an illegal instruction: first FPU use, retry with FPU on. */
static bool trap_fpu_first(struct thread *t, uint64_t cause)
{
	if (cause != EXC_ILLEGAL || t->fp_used)
		return false;
	t->fp_used = true;
	for (unsigned i = 0; i < 32; i++)
		t->fp.f[i] = 0;
	t->fp.fcsr = 0;
	trap_fpu(this_hart(), t);
	return true;
}

struct thread *trap_user(struct thread *t)
{
	uint64_t cause = csr_read(scause);
	struct thread *next;
	if (cause == EXC_ECALL_U) {
		t->tf.regs[REG_PC] += 4;
		next = syscall_dispatch(t);
	} else if (cause & SCAUSE_INTR) {
		next = trap_interrupt(t, cause);
	} else if (trap_fpu_first(t, cause)) {
		next = t;
	} else {
		next = fault_user(t, cause, csr_read(stval), t->tf.regs[REG_PC], 0);
	}
	next = obj_reap_before(next); /* deferred releases (sched/object.c) */
	return trap_leave(next);
}

static uint64_t idle_instret; /* summed across every idle WFI */

/* Nothing to run: wait for an interrupt with SIE still 0 (WFI wakes on a
 * pending enabled interrupt regardless), then handle what is pending.
 * Under -icount instret runs on while the hart sleeps (it is QEMU's
 * clock), so benchmarks subtract what we count here. */
void arch_idle_wait(void)
{
	this_hart()->current = NULL;
	uint64_t before = rdinstret();
	__asm__ volatile("wfi");
	idle_instret += rdinstret() - before;
	uint64_t sip = csr_read(sip);
	if (sip & (1ULL << IRQ_S_TIMER))
		sched_tick();
	if (sip & (1ULL << IRQ_S_EXT))
		irq_handle();
}

uint64_t arch_idle_instret(void) { return idle_instret; }

void arch_enter_first(struct thread *t)
{
	trap_return(trap_leave(t));
}

static const char *const trap_reg_names[32] = {
	"pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
	"a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
	"s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

/* A trap from S-mode is a kernel bug: dump and stop (trap.S kernel_trap). */
void trap_kernel(uint64_t *regs)
{
	kprintf("\nKERNEL TRAP scause=%lx stval=%lx sepc=%lx\n", csr_read(scause),
		csr_read(stval), regs[0]);
	for (unsigned i = 0; i < 32; i++)
		kprintf("%s%3s=%16lx", i % 4 ? "  " : "\n", trap_reg_names[i], regs[i]);
	kprintf("\nkernel stopped\n");
	arch_poweroff(99);
}
