/*
 * kpti.c - kernel page-table isolation (arch/; only in the kpti build): the
 * kernel table keeps a non-global physmap under ASID 0; user tables get only
 * root entry 511, mapping trap_kpti.S's trampoline and the per-hart slots.
 */
#include "arch.h"
#include "sched.h"

#define KPTI_V (1ULL << 0)
#define KPTI_R (1ULL << 1)
#define KPTI_W (1ULL << 2)
#define KPTI_X (1ULL << 3)
#define KPTI_G (1ULL << 5)
#define KPTI_A (1ULL << 6)
#define KPTI_D (1ULL << 7)
#define KPTI_ROOT_SLOT 511

extern char kpti_text[], kpti_text_end[]; /* trap_kpti.S: the trampoline */
extern struct kpti_slot kpti_slots[];    /* trap_kpti.S: the slot page */

_Static_assert(__builtin_offsetof(struct hart, kpti_slot) == 40, "trap_kpti.S: HART_KPTI_SLOT");
_Static_assert(__builtin_offsetof(struct kpti_slot, t0) == 0 &&
		       __builtin_offsetof(struct kpti_slot, kernel_satp) == 8 &&
		       __builtin_offsetof(struct kpti_slot, frame) == 16 &&
		       __builtin_offsetof(struct kpti_slot, user_satp) == 24 &&
		       __builtin_offsetof(struct kpti_slot, a0) == 32,
	       "trap_kpti.S: SL_* offsets");
_Static_assert(sizeof(struct kpti_slot) * MAX_HARTS <= 4096, "slots fit their page");

static uint64_t kpti_l1[512] __attribute__((aligned(4096)));
static uint64_t kpti_l0[512] __attribute__((aligned(4096)));

static uint64_t kpti_pte(const void *kva, uint64_t flags)
{
	return (kva_to_pa(kva) >> 12) << 10 | flags | KPTI_V;
}

/* Boot, after mmu_init learnt the ASIDs: build the trampoline's tables,
 * take the physmap's global bit away (a global translation would survive
 * the switch to a user's ASID), and point stvec at the trampoline. */
void kpti_init(void)
{
	if (mmu_asids <= 1) { /* each crossing would need a full flush */
		kprintf("kernel: the kpti build needs ASIDs\n");
		arch_poweroff(95);
	}
	if (kpti_text_end - kpti_text > 4096) {
		kprintf("kernel: the trampoline outgrew its page\n");
		arch_poweroff(95);
	}
	kpti_l0[510] = kpti_pte(kpti_text, KPTI_R | KPTI_X | KPTI_G | KPTI_A);
	kpti_l0[511] = kpti_pte(kpti_slots, KPTI_R | KPTI_W | KPTI_G | KPTI_A | KPTI_D);
	kpti_l1[511] = kpti_pte(kpti_l0, 0);
	for (unsigned i = 256; i < KPTI_ROOT_SLOT; i++)
		boot_pagetable[i] &= ~KPTI_G;
	boot_pagetable[KPTI_ROOT_SLOT] = kpti_pte(kpti_l1, 0); /* PA 255..256 GiB: no RAM */
	__asm__ volatile("sfence.vma" ::: "memory");
	/* One hart runs the kernel (arch.h): it takes slot 0. */
	struct kpti_slot *slot = (struct kpti_slot *)KPTI_SLOTS_VA;
	slot->kernel_satp = mmu_satp(kva_to_pa(boot_pagetable), 0);
	this_hart()->kpti_slot = slot;
	csr_write(stvec, KPTI_TRAMP_VA + ((uint64_t)trap_entry - (uint64_t)kpti_text));
}

/* A new user root: the trampoline's entry and nothing else of the kernel. */
void kpti_user_root(uint64_t *root)
{
	root[KPTI_ROOT_SLOT] = boot_pagetable[KPTI_ROOT_SLOT];
}
