/*
 * vm.c - a task's address space (mm/): create and destroy the Sv39 tree,
 * and the check_* / do_* halves of map, unmap, protect and A/D clearing
 * that the syscalls in sched/syscall.c and fault replies in fault/ use.
 * Every change to a live mapping is followed by a TLB flush for the
 * task's ASID before the call returns (arch/mmu.c).
 */
#include "mm.h"
#include "arch.h"
#include "sched.h"

long vm_create(struct task *t)
{
	if (!kpool_can_charge(t, 1))
		return ERR_QUOTA;
	t->root_pa = kpool_alloc_for(t);
	t->satp = mmu_satp(t->root_pa, t->asid);
	pte_t *root = mm_phys(t->root_pa);
#if KPTI
	kpti_user_root(root); /* the trampoline only: no physmap */
#else
	for (unsigned i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		root[i] = boot_pagetable[i]; /* kernel gigapages, global */
#endif
	return 0;
}

void vm_destroy(struct task *t)
{
	if (!t->root_pa)
		return;
	if (this_hart()->space == t)
		mmu_switch_kernel(); /* satp must not name a freed page */
	pt_free_user(t->root_pa, kpool_free_for, t);
	t->root_pa = 0;
	mmu_flush_asid(t->asid);
}

/* A 4 KiB map at va: aligned, user space, no superpage, quota for tables. */
long check_map(struct task *t, uint64_t va)
{
	if (va & (PG_SIZE - 1))
		return refuse(ERR_ALIGN, "map: va %lx not page aligned\n", va);
	if (va >= USER_TOP)
		return refuse(ERR_RANGE, "map: va %lx in kernel space\n", va);
	int need = pt_tables_needed(t->root_pa, va);
	if (need < 0)
		return refuse(ERR_SUPER, "map: va %lx inside a superpage\n", va);
	if (!kpool_can_charge(t, need))
		return refuse(ERR_QUOTA, "map: task %u page-table quota used up\n", t->id);
	return 0;
}

void do_map(struct task *t, uint64_t va, uint64_t pa, unsigned perms)
{
	pt_map(t->root_pa, va, pa, pte_perm_bits(perms) | PTE_U, kpool_alloc_for, t);
	mmu_flush_page(t->asid, va); /* a replaced leaf may be cached */
}

/* [va, va + npages pages) aligned, inside user space, not overflowing,
 * and free of superpages (only the root's frame window has them). */
long check_range(struct task *t, uint64_t va, uint64_t npages, uint64_t *end)
{
	if (va & (PG_SIZE - 1))
		return refuse(ERR_ALIGN, "range: va %lx not page aligned\n", va);
	if (va >= USER_TOP || npages > (USER_TOP - va) / PG_SIZE)
		return refuse(ERR_RANGE, "range: %lx + %lu pages leaves user space\n", va, npages);
	*end = va + npages * PG_SIZE;
	if (pt_range_has_super(t->root_pa, va, *end))
		return refuse(ERR_SUPER, "range: %lx.. touches a superpage\n", va);
	return 0;
}

struct vm_op {
	long count;
	uint64_t set;
	uint8_t *out;
	uint64_t base;
};

static void vm_unmap_leaf(pte_t *pte, uint64_t va, int level, void *ctx)
{
	(void)va;
	(void)level;
	*pte = 0;
	((struct vm_op *)ctx)->count++;
}

long do_unmap(struct task *t, uint64_t va, uint64_t end)
{
	struct vm_op op = {0};
	pt_range(t->root_pa, va, end, vm_unmap_leaf, &op);
	/* Table pages left empty go back to the pool (and the task's quota);
	 * the flush below also covers the walk caches holding them. */
	pt_prune(t->root_pa, va, end, kpool_free_for, t);
	mmu_flush_asid(t->asid);
	return op.count;
}

static void vm_protect_leaf(pte_t *pte, uint64_t va, int level, void *ctx)
{
	(void)va;
	(void)level;
	struct vm_op *op = ctx;
	*pte = (*pte & ~PTE_RWX) | op->set;
	op->count++;
}

struct vm_raise {
	const struct task *caller;
	uint64_t set;
	bool bad;
};

static void vm_raise_leaf(pte_t *pte, uint64_t va, int level, void *ctx)
{
	(void)va;
	(void)level;
	struct vm_raise *c = ctx;
	uint64_t pa = pte_pa(*pte);
	if ((c->set & ~(*pte & PTE_RWX)) && (pa < c->caller->grant_base || pa >= c->caller->grant_end))
		c->bad = true;
}

/* Adding a permission to a page is as good as mapping its frame: only a
 * caller whose grant holds the frame may (else a process could make its
 * read-only COW or borrowed pages writable). Lowering is always allowed. */
long check_protect(struct task *t, const struct task *caller, uint64_t va, uint64_t end,
		   unsigned perms)
{
	struct vm_raise c = {caller, pte_perm_bits(perms), false};
	pt_range(t->root_pa, va, end, vm_raise_leaf, &c);
	if (c.bad)
		return refuse(ERR_GRANT, "protect: adds rights to a frame outside the grant\n");
	return 0;
}

long do_protect(struct task *t, uint64_t va, uint64_t end, unsigned perms)
{
	struct vm_op op = {.set = pte_perm_bits(perms)};
	pt_range(t->root_pa, va, end, vm_protect_leaf, &op);
	if (op.count)
		mmu_flush_asid(t->asid);
	return op.count;
}

/* A table's run of entries in one tight loop: a harvest of thousands of
 * pages costs a few instructions a page (no call per page). */
static void vm_ad_run(pte_t *ptes, unsigned n, uint64_t va, void *ctx)
{
	struct vm_op *op = ctx;
	uint8_t *out = op->out + (va - op->base) / PG_SIZE;
	_Static_assert(PTE_A >> 5 == AD_ACCESSED && PTE_D >> 5 == AD_DIRTY, "A, D -> out bits");
	for (unsigned i = 0; i < n; i++) {
		pte_t e = ptes[i];
		if (!pte_is_leaf(e))
			continue;
		out[i] = (uint8_t)(AD_MAPPED | ((e >> 5) & (AD_ACCESSED | AD_DIRTY)));
		ptes[i] = e & ~(PTE_A | PTE_D);
	}
}

struct vm_dirty {
	uint64_t *bits, base, count;
	pte_t bit; /* PTE_D or PTE_A */
};

/* Clean pages cost a load and a test: the harvest of a mapping where
 * nothing was stored is a few instructions a page. */
static void vm_dirty_run(pte_t *ptes, unsigned n, uint64_t va, void *ctx)
{
	struct vm_dirty *d = ctx;
	uint64_t first = (va - d->base) / PG_SIZE;
	for (unsigned i = 0; i < n; i++) {
		pte_t e = ptes[i];
		if (!(e & d->bit) || !pte_is_leaf(e))
			continue;
		ptes[i] = e & ~d->bit;
		d->bits[(first + i) / 64] |= 1ULL << ((first + i) % 64);
		d->count++;
	}
}

uint64_t do_dirty_clear(struct task *t, uint64_t va, uint64_t end, uint64_t *bits, bool accessed)
{
	struct vm_dirty d = {.bits = bits, .base = va, .bit = accessed ? PTE_A : PTE_D};
	pt_range_runs(t->root_pa, va, end, vm_dirty_run, &d);
	if (d.count) /* a cleared A or D cached in the TLB would not be set again */
		mmu_flush_asid(t->asid);
	return d.count;
}

/* out has one byte per page and was zeroed by the caller; the range holds
 * no superpage (check_range refused it). */
void do_ad_clear(struct task *t, uint64_t va, uint64_t end, uint8_t *out)
{
	struct vm_op op = {.out = out, .base = va};
	pt_range_runs(t->root_pa, va, end, vm_ad_run, &op);
	/* QEMU and real TLBs cache A/D: without the flush a hot page never
	 * shows A again. */
	mmu_flush_asid(t->asid);
}
