/*
 * uaccess.c - the kernel's only way into user memory (mm/). A user address
 * is a claim: each page is looked up in the task's own page table and must
 * be a valid user leaf with the permission the user itself would need (R to
 * read; W to write, so a read-only or COW page is never written behind the
 * pager's back). Data moves through the physmap, never through user VAs.
 */
#include "mm.h"
#include "arch.h"
#include "sched.h"

/* The user leaf for va if the user could perform the access, else NULL. */
static pte_t *uaccess_pte(struct task *t, uint64_t va, bool write)
{
	int level;
	if (va >= USER_TOP)
		return NULL;
	pte_t *e = pt_lookup(t->root_pa, va, &level);
	uint64_t need = PTE_V | PTE_U | PTE_R | (write ? PTE_W : 0);
	if (!pte_is_leaf(*e) || (*e & need) != need)
		return NULL;
	return e;
}

/* The kernel address of user va. A write through it counts as the user's
 * own: A and D are set as the MMU would, so eviction policies reading
 * AD_CLEAR see the page as written. */
static void *uaccess_kva(struct task *t, uint64_t va, bool write)
{
	int level;
	pte_t *e = pt_lookup(t->root_pa, va, &level);
	uint64_t offset = va & ((PG_SIZE << (9 * level)) - 1);
	*e |= PTE_A | (write ? PTE_D : 0);
	return (char *)mm_phys(pte_pa(*e)) + offset;
}

bool uaccess_check(struct task *t, uint64_t va, uint64_t len, bool write, uint64_t *bad)
{
	if (len == 0)
		return true;
	if (va >= USER_TOP || len > USER_TOP - va) {
		*bad = va;
		return false;
	}
	for (uint64_t p = va & ~(PG_SIZE - 1); p < va + len; p += PG_SIZE) {
		if (!uaccess_pte(t, p, write)) {
			*bad = p < va ? va : p;
			return false;
		}
	}
	return true;
}

static uint64_t uaccess_chunk(uint64_t va, uint64_t len)
{
	uint64_t room = PG_SIZE - (va & (PG_SIZE - 1));
	return len < room ? len : room;
}

static void uaccess_memcpy(char *d, const char *s, uint64_t n)
{
	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) { /* words where both align */
		for (; n && ((uintptr_t)d & 7); n--)
			*d++ = *s++;
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	}
	while (n--)
		*d++ = *s++;
}

/* Only after uaccess_check(write = true) succeeded for the same range. */
void uaccess_copy_out(struct task *t, uint64_t va, const void *src, uint64_t len)
{
	const char *s = src;
	while (len) {
		uint64_t n = uaccess_chunk(va, len);
		uaccess_memcpy(uaccess_kva(t, va, true), s, n);
		va += n, s += n, len -= n;
	}
}

/* Only after uaccess_check(write = false) succeeded for the same range. */
void uaccess_copy_in(struct task *t, void *dst, uint64_t va, uint64_t len)
{
	char *d = dst;
	while (len) {
		uint64_t n = uaccess_chunk(va, len);
		uaccess_memcpy(d, uaccess_kva(t, va, false), n);
		va += n, d += n, len -= n;
	}
}
