/*
 * vm.c (servers/) - the pager's address-space logic: regions, the fault
 * path (find region, take a frame, zero or fill it, record it, answer
 * FAULT_MAP), sbrk, and freeing a process's memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pager.h"

#define PG 4096UL

static uint64_t page_up(uint64_t v) { return (v + PG - 1) & ~(PG - 1); }

struct region *vm_region_find(struct proc *p, uint64_t va)
{
	for (int i = 0; i < p->nregions; i++)
		if (va >= p->regions[i].start && va < p->regions[i].end)
			return &p->regions[i];
	return NULL;
}

int vm_region_add(struct proc *p, struct region r)
{
	if (p->nregions == MAX_REGIONS)
		return -1;
	p->regions[p->nregions++] = r;
	return 0;
}

/* Bytes of the segment's file image that fall into page va, rest zero. */
static void vm_fill_file(const struct region *r, uint64_t va, uint8_t *dst)
{
	uint64_t lo = va > r->seg_va ? va : r->seg_va;
	uint64_t hi = va + PG < r->seg_va + r->seg_filesz ? va + PG : r->seg_va + r->seg_filesz;
	frame_zero(dst);
	if (lo < hi)
		memcpy(dst + (lo - va), r->file + r->seg_off + (lo - r->seg_va), hi - lo);
}

static const char *vm_fault_name(uint64_t scause)
{
	switch (scause) {
	case 12: return "instruction fetch";
	case 13: return "load";
	case 15: return "store";
	default: return "exception";
	}
}

/* Not resolvable: a syscall's buffer fails the syscall, anything else
 * kills the process. Returns whether m now holds a reply. */
static bool vm_bad(struct proc *p, struct msg *m, const char *why)
{
	uint64_t scause = m->w[FAULT_W_SCAUSE];
	if (m->w[FAULT_W_FLAGS] & FAULT_FLAG_KACCESS) {
		*m = (struct msg){.label = FAULT_FAIL};
		return true;
	}
	printf("pager: pid %ld (%s) killed: %s %s at %#lx, pc %#lx\n", p->pid, p->name, why,
	       vm_fault_name(scause), (unsigned long)m->w[FAULT_W_STVAL],
	       (unsigned long)m->w[FAULT_W_SEPC]);
	pg_stats.kills++;
	proc_exit(p, (long)scause, PG_KILLED);
	return false;
}

static unsigned vm_need(uint64_t scause)
{
	return scause == 15 ? PERM_W : scause == 12 ? PERM_X : PERM_R;
}

bool vm_fault(struct proc *p, struct msg *m)
{
	uint64_t scause = m->w[FAULT_W_SCAUSE], va = m->w[FAULT_W_STVAL] & ~(PG - 1);
	if (scause != 12 && scause != 13 && scause != 15)
		return vm_bad(p, m, "unexpected");
	struct region *r = vm_region_find(p, va);
	if (!r)
		return vm_bad(p, m, "outside every region:");
	if (!(r->perms & vm_need(scause)))
		return vm_bad(p, m, "permission denied:");
	uint64_t *have = pagemap_find(&p->pages, va / PG);
	uint64_t pa = have ? *have : frames_alloc(&pg_frames);
	if (!pa)
		return vm_bad(p, m, "out of memory:");
	if (!have) {
		if (pagemap_put(&p->pages, va / PG, pa) < 0) {
			frames_free(&pg_frames, pa);
			return vm_bad(p, m, "out of memory:");
		}
		if (r->kind == RG_FILE && va < r->seg_va + r->seg_filesz) {
			vm_fill_file(r, va, frames_va(&pg_frames, pa));
			pg_stats.file_faults++;
		} else { /* anonymous, heap, stack, or bss past the file bytes */
			if (!r->nozero)
				frame_zero(frames_va(&pg_frames, pa));
			pg_stats.zero_faults++;
		}
		p->resident++;
	}
	p->faults++;
	*m = (struct msg){.label = FAULT_MAP, .w = {va, pa, r->perms}};
	return true;
}

static void vm_unmap_range(struct proc *p, uint64_t lo, uint64_t hi)
{
	sys_unmap(p->task, lo, (hi - lo) / PG);
	for (uint64_t va = lo; va < hi; va += PG) {
		uint64_t *pa = pagemap_find(&p->pages, va / PG);
		if (pa) {
			frames_free(&pg_frames, *pa);
			pagemap_del(&p->pages, va / PG);
			p->resident--;
		}
	}
}

/* Growing only moves the break; shrinking unmaps and frees whole pages. */
long vm_sbrk(struct proc *p, int64_t incr)
{
	struct region *heap = NULL;
	for (int i = 0; i < p->nregions; i++)
		if (p->regions[i].kind == RG_HEAP)
			heap = &p->regions[i];
	uint64_t old = p->brk, nbrk = old + (uint64_t)incr;
	uint64_t limit = USER_STACK_TOP - USER_STACK_MAX - (1UL << 20); /* guard gap */
	if (!heap || (incr < 0 && (uint64_t)-incr > old - heap->start) ||
	    (incr > 0 && (uint64_t)incr > limit - old))
		return ERR_INVAL;
	if (page_up(nbrk) < heap->end)
		vm_unmap_range(p, page_up(nbrk), heap->end);
	heap->end = page_up(nbrk);
	p->brk = nbrk;
	return (long)old;
}

void vm_free_all(struct proc *p)
{
	for (uint64_t i = 0; i < p->pages.cap; i++)
		if (p->pages.slots[i].vpn)
			frames_free(&pg_frames, p->pages.slots[i].pa);
	free(p->pages.slots);
	p->pages = (struct pagemap){0};
	p->resident = 0;
}
