/*
 * mmu.c - satp and TLB maintenance (arch/). Each task has an ASID, so an
 * address-space switch is one csrw satp with no flush; a flush is needed
 * only when a task's mappings change (mm/vm.c) or an ASID is reused.
 * Without ASID support (ASIDLEN = 0) every switch flushes.
 */
#include "arch.h"
#include "sched.h"

#define SATP_SV39 (8ULL << 60)
#define SATP_ASID_SHIFT 44

uint16_t mmu_asids; /* how many ASIDs the hart implements */

void mmu_init(void)
{
	/* Privileged spec: write all ones to satp.ASID and read back to learn
	 * ASIDLEN. The current root stays loaded. */
	uint64_t satp = csr_read(satp);
	csr_write(satp, satp | (0xffffULL << SATP_ASID_SHIFT));
	uint64_t bits = (csr_read(satp) >> SATP_ASID_SHIFT) & 0xffff;
	csr_write(satp, satp);
	mmu_asids = bits >= 0xff ? 256 : (uint16_t)(bits + 1);
	if (mmu_asids < MAX_TASKS)
		mmu_asids = 1; /* too few to give each task its own: flush instead */
	boot_pagetable[2] = 0; /* drop entry.S's identity gigapage */
	__asm__ volatile("sfence.vma" ::: "memory");
#if KPTI
	kpti_init();
#endif
}

uint16_t mmu_asid_count(void) { return mmu_asids; }

void arch_probe_trap(void);                 /* arch/probe.S */
extern volatile uint64_t arch_probe_faulted; /* arch/timer.c */

/* Boot only: read a 32-bit register through the physmap under the probe
 * vector, so an address the device tree made up gives false, not a
 * kernel trap. norvc: the probe skips a 4-byte instruction. */
bool mmu_probe_read32(uint64_t pa, uint32_t *v)
{
	uint64_t old = csr_read(stvec), kva = (uint64_t)pa_to_kva(pa);
	uint32_t val = 0;
	arch_probe_faulted = 0;
	csr_write(stvec, (uint64_t)arch_probe_trap);
	__asm__ volatile(".option push\n.option norvc\nlwu %0, 0(%1)\n.option pop"
			 : "+r"(val)
			 : "r"(kva)
			 : "memory");
	csr_write(stvec, old);
	*v = val;
	return !arch_probe_faulted;
}

uint64_t mmu_satp(uint64_t root_pa, uint16_t asid)
{
	return SATP_SV39 | ((uint64_t)asid << SATP_ASID_SHIFT) | (root_pa >> 12);
}

/* Back to the kernel-only root (entry.S's boot_pagetable, ASID 0): needed
 * before the current task's root page is freed. */
void mmu_switch_kernel(void)
{
#if KPTI /* the kernel runs on its own table already: forget the user's */
	this_hart()->space = NULL;
	return;
#endif
	csr_write(satp, mmu_satp(kva_to_pa(boot_pagetable), 0));
	__asm__ volatile("sfence.vma" ::: "memory");
	this_hart()->space = NULL;
}

/* No ASIDs: every switch must drop the old space's translations. */
void mmu_switch_slow(uint64_t satp)
{
	csr_write(satp, satp);
	__asm__ volatile("sfence.vma" ::: "memory");
}

void mmu_flush_page(uint16_t asid, uint64_t va)
{
	if (mmu_asids <= 1)
		__asm__ volatile("sfence.vma %0" ::"r"(va) : "memory");
	else
		__asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"((uint64_t)asid) : "memory");
}

void mmu_flush_asid(uint16_t asid)
{
	if (mmu_asids <= 1)
		__asm__ volatile("sfence.vma" ::: "memory");
	else
		__asm__ volatile("sfence.vma zero, %0" ::"r"((uint64_t)asid) : "memory");
}
