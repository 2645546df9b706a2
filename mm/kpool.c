/*
 * kpool.c - the bounded pool of page-table pages (mm/). Set aside at boot
 * (sched/boot.c), never grown. Every page a task's address space uses is
 * charged to its quota, so a task can exhaust its own quota, never the
 * kernel: running out is ERR_QUOTA, never a panic.
 */
#include "mm.h"
#include "arch.h"
#include "sched.h"

static uint64_t *kpool_head; /* free pages linked through their first word */
static uint64_t kpool_total, kpool_nfree;

void *mm_phys(uint64_t pa) { return pa_to_kva(pa); }

static void kpool_zero(uint64_t *p)
{
	for (unsigned i = 0; i < PG_SIZE / 8; i += 4) {
		p[i] = 0;
		p[i + 1] = 0;
		p[i + 2] = 0;
		p[i + 3] = 0;
	}
}

void kpool_init(uint64_t base_pa, uint64_t npages)
{
	for (uint64_t i = npages; i-- > 0;) {
		uint64_t *p = pa_to_kva(base_pa + i * PG_SIZE);
		*p = (uint64_t)kpool_head;
		kpool_head = p;
	}
	kpool_total = kpool_nfree = npages;
}

uint64_t kpool_free_pages(void) { return kpool_nfree; }
uint64_t kpool_total_pages(void) { return kpool_total; }

/* May task t take n more pages? Both its quota and the pool must allow. */
bool kpool_can_charge(struct task *t, unsigned n)
{
	return t->used[KQ_PT] + n <= t->quota[KQ_PT] && n <= kpool_nfree;
}

/* A zeroed page; the caller has checked that one is there. */
uint64_t kpool_alloc_raw(void)
{
	uint64_t *p = kpool_head;
	kpool_head = (uint64_t *)*p;
	kpool_nfree--;
	kpool_zero(p);
	return kva_to_pa(p);
}

uint64_t kpool_alloc_for(void *task)
{
	((struct task *)task)->used[KQ_PT]++;
	return kpool_alloc_raw();
}

void kpool_free_for(uint64_t pa, void *task)
{
	uint64_t *p = pa_to_kva(pa);
	*p = (uint64_t)kpool_head;
	kpool_head = p;
	kpool_nfree++;
	if (task)
		((struct task *)task)->used[KQ_PT]--;
}
