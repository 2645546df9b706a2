/*
 * arch.h - the hardware layer's interface (arch/): CSRs, SBI, TLB, timer,
 * console, interrupt controller, FPU and the per-hart state. mm/, fault/
 * and sched/ reach the hardware only through the functions declared here.
 * Invariant: the kernel runs with sstatus.SIE = 0 on one kernel stack per
 * hart; it is never interrupted, so kernel state needs no locks (one hart).
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kernel virtual = physical + KERNEL_BASE (the physmap, arch/entry.S). */
#define KERNEL_BASE 0xffffffc000000000ULL
#define MAX_HARTS 8
#define KSTACK_SIZE 16384

static inline void *pa_to_kva(uint64_t pa) { return (void *)(pa + KERNEL_BASE); }
static inline uint64_t kva_to_pa(const void *va) { return (uint64_t)va - KERNEL_BASE; }

#define csr_read(csr)                                                          \
	({                                                                     \
		uint64_t v_;                                                   \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_));                 \
		v_;                                                            \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"(val))
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" ::"rK"(val))
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"rK"(val))

/* sstatus bits (privileged spec, sstatus layout). */
#define SSTATUS_SIE (1ULL << 1)
#define SSTATUS_SPP (1ULL << 8)
#define SSTATUS_FS_MASK (3ULL << 13) /* 0 off, 1 initial, 2 clean, 3 dirty */
#define SSTATUS_FS_CLEAN (2ULL << 13)
#define SSTATUS_FS_DIRTY (3ULL << 13)
#define SSTATUS_SUM (1ULL << 18)

/* scause values (interrupt bit 63 set for interrupts). */
#define SCAUSE_INTR (1ULL << 63)
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS 1
#define EXC_ILLEGAL 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_ACCESS 7
#define EXC_ECALL_U 8
#define EXC_INST_PAGE 12
#define EXC_LOAD_PAGE 13
#define EXC_STORE_PAGE 15

struct thread;
struct task;

/* Per-hart state; tp points at it while in the kernel. */
struct hart {
	uint64_t kstack_top;     /* loaded by trap.S on entry from user */
	struct thread *current;  /* the thread that runs when we sret */
	uint32_t hartid;
	bool resched;            /* a higher-priority thread became ready */
	bool fp_on;              /* sstatus.FS is not Off */
	struct thread *fp_owner; /* whose state is in the FPU registers */
	struct task *space;      /* whose address space satp holds */
#if KPTI
	struct kpti_slot *kpti_slot; /* this hart's slot, at its user-visible VA */
#endif
};

#if KPTI
/* arch/kpti.c + trap_kpti.S: the trampoline (text) and the per-hart slots
 * (data) are the only kernel pages in a user table, at the top of the
 * address space (root entry 511, which the physmap gives up). */
#define KPTI_TRAMP_VA 0xffffffffffffe000ULL
#define KPTI_SLOTS_VA 0xfffffffffffff000ULL
struct kpti_slot {
	uint64_t t0;          /* user t0 while entry switches satp */
	uint64_t kernel_satp; /* the kernel table, ASID 0 */
	uint64_t frame;       /* the thread that runs in user mode */
	uint64_t user_satp;   /* its task's table: loaded just before sret */
	uint64_t a0;          /* user a0 while exit switches satp */
	uint64_t pad[3];
};
void kpti_init(void);
void kpti_user_root(uint64_t *root);
#endif

static inline struct hart *this_hart(void)
{
	struct hart *h;
	__asm__("mv %0, tp" : "=r"(h));
	return h;
}

/* arch/trap.S */
void trap_entry(void);
void trap_return(struct thread *t) __attribute__((noreturn));

/* arch/sbi.c */
void sbi_set_timer(uint64_t when);
void sbi_shutdown(void);
void arch_poweroff(unsigned code) __attribute__((noreturn));

/* arch/console.c */
void console_init(uint64_t uart_pa);
void console_putc(char c);
void console_write(const char *s, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* arch/timer.c: a periodic tick drives preemption and timeouts. */
void timer_init(uint64_t timebase_hz);
uint64_t timer_now(void);
uint64_t timer_hz(void);
void timer_arm_next(void);
bool timer_has_sstc(void);

/* arch/plic.c */
void plic_init(uint64_t pa, uint32_t ndev, uint32_t hartid);
void plic_enable(uint32_t irq, bool on);
uint32_t plic_claim(void);
uint32_t plic_sources(void);
void plic_complete(uint32_t irq);

/* arch/mmu.c: address-space switch and TLB maintenance. */
void mmu_init(void);
uint64_t mmu_satp(uint64_t root_pa, uint16_t asid);
void mmu_switch_slow(uint64_t satp);
void mmu_switch_kernel(void);
extern uint16_t mmu_asids;

/* Load an address space; with ASIDs no flush is needed. */
static inline void mmu_switch(uint64_t satp)
{
	if (__builtin_expect(mmu_asids > 1, 1)) {
		__asm__ volatile("csrw satp, %0" ::"r"(satp) : "memory");
		return;
	}
	mmu_switch_slow(satp);
}
void mmu_flush_page(uint16_t asid, uint64_t va);
bool mmu_probe_read32(uint64_t pa, uint32_t *v);
void mmu_flush_asid(uint16_t asid);
uint16_t mmu_asid_count(void);
extern uint64_t boot_pagetable[512];

/* arch/fpu.S + arch/trap.c: lazy FPU context switch. */
struct fpstate {
	uint64_t f[32];
	uint64_t fcsr;
};
void fpu_save(struct fpstate *s);
void fpu_load(const struct fpstate *s);
void fpu_sync(struct thread *t);
void fpu_reload(struct thread *t);

/* arch/trap.c */
void trap_init(void);
struct thread *trap_user(struct thread *t);
void arch_idle_wait(void);
uint64_t arch_idle_instret(void);
void arch_enter_first(struct thread *t) __attribute__((noreturn));

static inline uint64_t rdinstret(void)
{
	uint64_t v;
	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}

#endif /* ARCH_ARCH_H */
