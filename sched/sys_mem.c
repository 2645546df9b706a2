/*
 * sys_mem.c - memory syscalls (sched/ over mm/vm.c): map, unmap, protect
 * and A/D read-and-clear on a task named by a handle with R_MAP. map also
 * needs the frame to lie in the caller's grant: that rule alone keeps a
 * task away from memory it was not given (docs/design.md, authority).
 * A device page is never in a grant; SYS_DEV_MAP maps it, and only into
 * the caller's own task, for the holder of the device's handle.
 */
#include "mm.h"
#include "syscall.h"

#define AD_MAX_PAGES 4096

static long check_live(struct task *task)
{
	if (task->obj.dead)
		return refuse(ERR_DEAD, "mem: task %u is dead\n", task->id);
	return 0;
}

/* (task, va, pa, perms) */
struct thread *sys_map(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_TASK, R_MAP);
	struct task *dst = OBJ(h, struct task), *me = t->task;
	uint64_t va = A(1), pa = A(2), perms = A(3);
	long e = check_live(dst);
	if (!e && !perms_ok(perms))
		e = refuse(ERR_INVAL, "map: perms %lx (need R with W, only RWX)\n", perms);
	if (!e && (pa & (PAGE_SIZE - 1)))
		e = refuse(ERR_ALIGN, "map: frame %lx not aligned\n", pa);
	if (!e && (pa < me->grant_base || pa >= me->grant_end))
		e = refuse(ERR_GRANT, "map: frame %lx outside task %u's grant\n", pa, me->id);
	if (!e)
		e = check_map(dst, va);
	if (e < 0)
		return ret(t, e);
	do_map(dst, va, pa, (unsigned)perms);
	return ret(t, 0);
}

/* (dev, va): the device's register page, R|W (never X: protect cannot add
 * rights to a page outside the grant), at an unused va of our own task.
 * One mapping at a time: two drivers would fight over the device. */
struct thread *sys_dev_map(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_DEVICE, R_MAP);
	struct device *d = OBJ(h, struct device);
	struct task *me = t->task;
	uint64_t va = A(1);
	long e = check_map(me, va);
	int level;
	if (!e && pte_valid(*pt_lookup(me->root_pa, va, &level)))
		e = refuse(ERR_STATE, "dev_map: va %lx already mapped\n", va);
	if (!e && dev_mapped(d))
		e = refuse(ERR_STATE, "dev_map: device %lx already mapped\n", d->pa);
	if (e < 0)
		return ret(t, e);
	do_map(me, va, d->pa, PERM_R | PERM_W);
	d->map_task = me;
	d->map_va = va;
	return ret(t, 0);
}

/* (task, va, npages) -> pages unmapped */
struct thread *sys_unmap(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_TASK, R_MAP);
	struct task *dst = OBJ(h, struct task);
	uint64_t end;
	long e = check_live(dst);
	if (!e)
		e = check_range(dst, A(1), A(2), &end);
	if (e < 0)
		return ret(t, e);
	return ret(t, do_unmap(dst, A(1), end));
}

/* (task, va, npages, perms) -> pages changed */
struct thread *sys_protect(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_TASK, R_MAP);
	struct task *dst = OBJ(h, struct task);
	uint64_t end;
	long e = check_live(dst);
	if (!e && !perms_ok(A(3)))
		e = refuse(ERR_INVAL, "protect: perms %lx\n", A(3));
	if (!e)
		e = check_range(dst, A(1), A(2), &end);
	if (!e)
		e = check_protect(dst, t->task, A(1), end, (unsigned)A(3));
	if (e < 0)
		return ret(t, e);
	return ret(t, do_protect(dst, A(1), end, (unsigned)A(3)));
}

/* (task, va, npages, out): one byte per page, AD_MAPPED|AD_ACCESSED|AD_DIRTY. */
/* The three A/D calls' arguments: a live task, at most AD_MAX_PAGES pages
 * of user range from va; *end is the range's end. */
static long check_ad_args(struct task *dst, uint64_t va, uint64_t n, uint64_t *end)
{
	long e = check_live(dst);
	if (!e && n > AD_MAX_PAGES)
		e = refuse(ERR_INVAL, "A/D call: %lu pages > %u\n", n, AD_MAX_PAGES);
	return e ? e : check_range(dst, va, n, end);
}

struct thread *sys_ad_clear(struct thread *t)
{
	/* LAB syscall: BEGIN -- check every argument, then read, clear and copy out the A/D bits */
	/* LAB syscall: STUB return ret(t, ERR_NOSYS); */
	static uint8_t ad_buf[AD_MAX_PAGES];
	LOOKUP(h, 0, KOBJ_TASK, R_MAP);
	struct task *dst = OBJ(h, struct task);
	uint64_t end, bad, n = A(2);
	long e = check_ad_args(dst, A(1), n, &end);
	if (e < 0)
		return ret(t, e);
	if (!uaccess_check(t->task, A(3), n, true, &bad))
		return sys_ufault(t, bad, true);
	__builtin_memset(ad_buf, 0, n);
	do_ad_clear(dst, A(1), end, ad_buf);
	uaccess_copy_out(t->task, A(3), ad_buf, n);
	return ret(t, 0);
	/* LAB syscall: END */
}

/* SYS_DIRTY_CLEAR: the D bits only, as a bitmap, for a pager finding the
 * stores to shared pages; the A bits stay for its replacement policy.
 * SYS_REF_CLEAR: the same for the A bits (the policy's references), the
 * D bits staying for msync. */
static struct thread *sys_bit_clear(struct thread *t, bool accessed)
{
	static uint64_t bits[AD_MAX_PAGES / 64];
	LOOKUP(h, 0, KOBJ_TASK, R_MAP);
	struct task *dst = OBJ(h, struct task);
	uint64_t end, bad, n = A(2), words = (A(2) + 63) / 64;
	long e = check_ad_args(dst, A(1), n, &end);
	if (e < 0)
		return ret(t, e);
	if (!uaccess_check(t->task, A(3), words * 8, true, &bad))
		return sys_ufault(t, bad, true);
	__builtin_memset(bits, 0, words * 8);
	uint64_t count = do_dirty_clear(dst, A(1), end, bits, accessed);
	uaccess_copy_out(t->task, A(3), bits, words * 8);
	return ret(t, (long)count);
}

struct thread *sys_dirty_clear(struct thread *t) { return sys_bit_clear(t, false); }
struct thread *sys_ref_clear(struct thread *t) { return sys_bit_clear(t, true); }
