/*
 * syscall.h - private to the syscall layer (sched/syscall*.c): argument
 * access, the handle-lookup-or-return-error idiom, and the handlers that
 * live in sys_task.c and sys_mem.c.
 */
#ifndef SCHED_SYSCALL_H
#define SCHED_SYSCALL_H

#include "sched.h"

#define A(i) (t->tf.regs[10 + (i)]) /* a0..a7 */
#define T1 (t->tf.regs[6])

typedef struct thread *(*sys_fn)(struct thread *t);

/* Result into a0, then back to user (or to a higher-priority thread). */
static inline struct thread *ret(struct thread *t, long v)
{
	A(0) = (uint64_t)v;
	if (__builtin_expect(!this_hart()->resched && t->state == TS_RUNNING, 1))
		return t;
	return sched_resume(t);
}

/* Look up handle A(i) of type/rights for t, or return the error to t. */
#define LOOKUP(var, i, type, rights)                                           \
	struct handle *var;                                                    \
	do {                                                                   \
		long e_ = handle_get(t->task, A(i), type, rights, &var);       \
		if (e_ < 0)                                                    \
			return ret(t, e_);                                     \
	} while (0)

/* Objects whose kobj is their first member (not threads: thread_of_obj). */
#define OBJ(h, T) ((T *)(h)->obj)

static inline bool perms_ok(uint64_t p)
{
	return p && !(p & ~7ULL) && (!(p & PERM_W) || (p & PERM_R));
}

struct thread *sys_ufault(struct thread *t, uint64_t va, bool write);

struct thread *sys_task_create(struct thread *t);
struct thread *sys_thread_create(struct thread *t);
struct thread *sys_thread_fault(struct thread *t);
struct thread *sys_thread_start(struct thread *t);
struct thread *sys_thread_suspend(struct thread *t);
struct thread *sys_thread_read(struct thread *t);
struct thread *sys_thread_write(struct thread *t);
struct thread *sys_thread_prio(struct thread *t);
struct thread *sys_task_kill(struct thread *t);
struct thread *sys_task_info(struct thread *t);
struct thread *sys_task_quota(struct thread *t);
struct thread *sys_task_watch(struct thread *t);
struct thread *sys_exit(struct thread *t);
struct thread *sys_yield(struct thread *t);
struct thread *sys_sleep(struct thread *t);
struct thread *sys_time(struct thread *t);
struct thread *sys_poweroff(struct thread *t);
struct thread *sys_irq_bind(struct thread *t);
struct thread *sys_irq_ack(struct thread *t);
struct thread *sys_map(struct thread *t);
struct thread *sys_unmap(struct thread *t);
struct thread *sys_protect(struct thread *t);
struct thread *sys_ad_clear(struct thread *t);
struct thread *sys_dirty_clear(struct thread *t);
struct thread *sys_ref_clear(struct thread *t);
struct thread *sys_dev_create(struct thread *t);
struct thread *sys_dev_map(struct thread *t);
struct thread *sys_dev_irq(struct thread *t);
struct thread *sys_dev_ack(struct thread *t);
struct thread *sys_idle_instret(struct thread *t);

#endif /* SCHED_SYSCALL_H */
