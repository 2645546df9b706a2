/*
 * sys_task.c - syscalls on tasks, threads, time, the platform and its
 * devices (sched/). Same shape as syscall.c: look up and check
 * everything, then act. (SYS_DEV_MAP is a memory call: sys_mem.c.)
 */
#include "mm.h"
#include "syscall.h"

/* (pt, tasks, threads, eps, notifs): the child's quota of each kind
 * comes out of the caller's room, and the child itself is charged as one
 * task. It needs one page-table page for its root table. */
static long check_task_create(struct thread *t)
{
	struct task *me = t->task;
	if (A(KQ_PT) < 1)
		return refuse(ERR_QUOTA, "task_create: no page-table quota for its root\n");
	for (unsigned k = 0; k < KQ_COUNT; k++) {
		uint64_t n = A(k);
		if (k == KQ_TASK && n < UINT32_MAX)
			n++; /* the child itself, as well as what it gets */
		long e = quota_check(me, k, n);
		if (e < 0)
			return e;
	}
	if (kpool_free_pages() < 1)
		return refuse(ERR_QUOTA, "task_create: kernel pool empty\n");
	return handle_free_slot(me);
}

struct thread *sys_task_create(struct thread *t)
{
	struct task *me = t->task;
	long e = check_task_create(t);
	struct task *child = e < 0 ? NULL : task_alloc();
	if (!child) /* a full table with quota left is a kernel bug: refuse */
		return ret(t, e < 0 ? e : refuse(ERR_NOMEM, "task_create: task table full\n"));
	for (unsigned k = 0; k < KQ_COUNT; k++)
		quota_give(me, child, k, (uint32_t)A(k));
	quota_charge(me, &child->obj, KQ_TASK);
	child->quota_from = me;
	vm_create(child); /* cannot fail: quota >= 1 and the pool has a page */
	return ret(t, handle_install(me, &child->obj, R_MAP | R_CONTROL | R_XFER, 0));
}

/* (task, n, kind): the creator moves quota of a kind to or from a child;
 * the child keeps at least what it uses. */
struct thread *sys_task_quota(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_TASK, R_CONTROL);
	struct task *c = OBJ(h, struct task), *me = t->task;
	uint64_t n = A(1), kind = A(2);
	if (kind >= KQ_COUNT)
		return ret(t, refuse(ERR_INVAL, "task_quota: no quota kind %lu\n", kind));
	if (c->quota_from != me || c->obj.dead)
		return ret(t, refuse(ERR_STATE, "task_quota: task %u not our live child\n", c->id));
	if (n < c->used[kind])
		return ret(t, refuse(ERR_QUOTA, "task_quota: %lu below the %u in use\n", n,
				     c->used[kind]));
	if (n > c->quota[kind]) {
		long e = quota_check(me, (unsigned)kind, n - c->quota[kind]);
		if (e < 0)
			return ret(t, e);
	}
	/* A shrink is a give of a negative amount: the uint32_t sums wrap
	 * back to the exact results. */
	quota_give(me, c, (unsigned)kind, (uint32_t)n - c->quota[kind]);
	return ret(t, 0);
}

/* (task, pc, sp, arg, prio): a suspended thread, no higher than ours. */
struct thread *sys_thread_create(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_TASK, R_CONTROL);
	struct task *task = OBJ(h, struct task);
	if (A(4) > t->prio)
		return ret(t, refuse(ERR_INVAL, "thread_create: prio %lu above caller's\n", A(4)));
	if (task->obj.dead)
		return ret(t, refuse(ERR_DEAD, "thread_create: task %u dead\n", task->id));
	long e = quota_check(t->task, KQ_THREAD, 1); /* the caller pays, not task */
	if (e == 0)
		e = handle_free_slot(t->task);
	struct thread *n = e < 0 ? NULL : thread_alloc(task);
	if (!n)
		return ret(t, e < 0 ? e : refuse(ERR_NOMEM, "thread_create: table full\n"));
	quota_charge(t->task, &n->obj, KQ_THREAD);
	n->tf.regs[0] = A(1);
	n->tf.regs[2] = A(2);
	n->tf.regs[10] = A(3);
	n->prio = (uint8_t)A(4);
	return ret(t, handle_install(t->task, &n->obj, R_CONTROL | R_XFER, 0));
}

static struct user_regs sys_regs_buf; /* one hart: one syscall at a time */

static struct thread *thread_of(struct handle *h) { return thread_of_obj(h->obj); }

#define LOOKUP_LIVE_THREAD(var, i)                                             \
	LOOKUP(var##_h, i, KOBJ_THREAD, R_CONTROL);                            \
	struct thread *var = thread_of(var##_h);                               \
	if (var->obj.dead)                                                     \
		return ret(t, refuse(ERR_DEAD, "thread %u is dead\n", var->id))

/* (thread, ep): faults of thread go to ep as calls carrying ep's badge;
 * ep = 0 removes the handler. */
struct thread *sys_thread_fault(struct thread *t)
{
	LOOKUP_LIVE_THREAD(th, 0);
	struct handle *eh = NULL;
	if (A(1)) {
		long e = handle_lookup(t->task, A(1), KOBJ_ENDPOINT, R_SEND, &eh);
		if (e < 0)
			return ret(t, e);
	}
	if (th->in_fault) /* its fault message is queued on the old handler */
		return ret(t, refuse(ERR_STATE, "thread_fault: thread %u is in a fault\n", th->id));
	struct endpoint *old = th->fault_ep;
	if (eh)
		obj_get(eh->obj);
	th->fault_ep = eh ? OBJ(eh, struct endpoint) : NULL;
	th->fault_badge = eh ? eh->badge : 0;
	if (old)
		obj_put(&old->obj);
	return ret(t, 0);
}

struct thread *sys_thread_start(struct thread *t)
{
	LOOKUP_LIVE_THREAD(th, 0);
	if (th->state != TS_SUSPENDED)
		return ret(t, refuse(ERR_STATE, "thread_start: thread %u not suspended\n", th->id));
	thread_start(th);
	return ret(t, 0);
}

/* Only a ready or running thread can be suspended: a blocked one is in the
 * middle of an operation that owns its registers. */
struct thread *sys_thread_suspend(struct thread *t)
{
	LOOKUP_LIVE_THREAD(th, 0);
	if (th->state == TS_SUSPENDED)
		return ret(t, 0);
	if (th->state != TS_READY && th->state != TS_RUNNING)
		return ret(t, refuse(ERR_STATE, "thread_suspend: thread %u blocked\n", th->id));
	A(0) = 0;
	if (th->state == TS_READY)
		sched_unready(th);
	th->state = TS_SUSPENDED;
	return sched_resume(t);
}

struct thread *sys_thread_read(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_THREAD, R_CONTROL);
	uint64_t bad;
	if (!uaccess_check(t->task, A(1), sizeof(struct user_regs), true, &bad))
		return sys_ufault(t, bad, true);
	struct thread *th = thread_of(h);
	struct user_regs *u = &sys_regs_buf;
	A(0) = 0; /* before the copy: th may be t itself */
	fpu_sync(th); /* its live FPU registers into th->fp */
	__builtin_memcpy(u->regs, th->tf.regs, sizeof u->regs);
	__builtin_memcpy(u->fregs, th->fp.f, sizeof u->fregs);
	u->fcsr = th->fp.fcsr;
	u->fp_used = th->fp_used;
	uaccess_copy_out(t->task, A(1), u, sizeof *u);
	return sched_resume(t);
}

struct thread *sys_thread_write(struct thread *t)
{
	LOOKUP_LIVE_THREAD(th, 0);
	uint64_t bad, va = A(1);
	if (th->state != TS_SUSPENDED && th != t) /* a blocked one's are in use */
		return ret(t, refuse(ERR_STATE, "thread_write: thread %u not suspended\n", th->id));
	if (!uaccess_check(t->task, va, sizeof(struct user_regs), false, &bad))
		return sys_ufault(t, bad, false);
	struct user_regs *u = &sys_regs_buf;
	uaccess_copy_in(t->task, u, va, sizeof *u);
	__builtin_memcpy(th->tf.regs, u->regs, sizeof u->regs);
	__builtin_memcpy(th->fp.f, u->fregs, sizeof u->fregs);
	th->fp.fcsr = u->fcsr;
	th->fp_used = u->fp_used != 0;
	fpu_reload(th); /* the FPU registers must not keep the old state */
	if (th == t)
		return sched_resume(t); /* its a0 is what it just wrote */
	return ret(t, 0);
}

struct thread *sys_thread_prio(struct thread *t)
{
	LOOKUP_LIVE_THREAD(th, 0);
	if (A(1) > t->prio)
		return ret(t, refuse(ERR_INVAL, "thread_prio: %lu above caller's\n", A(1)));
	if (th->state == TS_READY) {
		sched_unready(th);
		th->prio = (uint8_t)A(1);
		sched_ready(th);
	} else {
		th->prio = (uint8_t)A(1);
	}
	return ret(t, 0);
}

struct thread *sys_task_kill(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_TASK, R_CONTROL);
	A(0) = 0;
	task_kill(OBJ(h, struct task));
	return sched_resume(t); /* sched_next if t was in it */
}

/* (task, notif, bits): when the task dies, signal bits on notif (one
 * watcher per task; 0 bits removes it). */
struct thread *sys_task_watch(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_TASK, R_CONTROL);
	struct task *task = OBJ(h, struct task);
	struct handle *nh = NULL;
	if (A(2)) {
		long e = handle_lookup(t->task, A(1), KOBJ_NOTIF, R_SEND, &nh);
		if (e < 0)
			return ret(t, e);
	}
	if (task->obj.dead)
		return ret(t, refuse(ERR_DEAD, "task_watch: task %u is dead\n", task->id));
	if (task->quota_from != t->task) /* else a task could unwatch itself */
		return ret(t, refuse(ERR_STATE, "task_watch: task %u not our child\n", task->id));
	struct notif *old = task->death;
	if (nh)
		obj_get(nh->obj);
	task->death = nh ? OBJ(nh, struct notif) : NULL;
	task->death_bits = A(2);
	if (old)
		obj_put(&old->obj);
	return ret(t, 0);
}

struct thread *sys_task_info(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_TASK, 0);
	struct task *task = OBJ(h, struct task);
	uint64_t kind = A(1);
	if (kind >= KQ_COUNT)
		return ret(t, refuse(ERR_INVAL, "task_info: no quota kind %lu\n", kind));
	A(1) = task->used[kind];
	A(2) = task->quota[kind];
	A(3) = task->lent[kind];
	return ret(t, task->obj.dead ? ERR_DEAD : task->id);
}

struct thread *sys_exit(struct thread *t)
{
	if (kdebug)
		kprintf("kernel: task %u exit(%ld)\n", t->task->id, (long)A(0));
	task_kill(t->task);
	return sched_next();
}

struct thread *sys_yield(struct thread *t)
{
	A(0) = 0;
	sched_ready(t);
	return sched_next();
}

/* (ms): one tick is 1 ms (TICK_HZ). */
struct thread *sys_sleep(struct thread *t)
{
	uint64_t ms = A(0);
	if (ms > (1ULL << 40))
		return ret(t, refuse(ERR_INVAL, "sleep: %lu ms\n", ms));
	if (ms == 0)
		return sys_yield(t);
	A(0) = 0;
	sched_sleep(t, ms);
	return sched_next();
}

struct thread *sys_time(struct thread *t)
{
	A(1) = timer_hz();
	return ret(t, (long)timer_now());
}

struct thread *sys_poweroff(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_PLATFORM, R_CONTROL);
	(void)h;
	if (A(1) > 255)
		return ret(t, refuse(ERR_INVAL, "poweroff: code %lu > 255\n", A(1)));
	kprintf("kernel: power off, status %lu\n", A(1));
	arch_poweroff((unsigned)A(1));
}

struct thread *sys_irq_bind(struct thread *t)
{
	LOOKUP(p, 0, KOBJ_PLATFORM, R_CONTROL);
	LOOKUP(n, 2, KOBJ_NOTIF, R_SEND);
	(void)p;
	if (A(1) > 0xffff)
		return ret(t, refuse(ERR_INVAL, "irq_bind: irq %lu\n", A(1)));
	return ret(t, irq_bind((uint32_t)A(1), OBJ(n, struct notif), A(3)));
}

struct thread *sys_irq_ack(struct thread *t)
{
	LOOKUP(p, 0, KOBJ_PLATFORM, R_CONTROL);
	(void)p;
	if (A(1) > 0xffff)
		return ret(t, refuse(ERR_INVAL, "irq_ack: irq %lu\n", A(1)));
	return ret(t, irq_ack((uint32_t)A(1)));
}

/* (platform, index): the authority over one device is a handle, made only
 * by the platform's holder (the root pager) for the driver it starts. */
struct thread *sys_dev_create(struct thread *t)
{
	LOOKUP(p, 0, KOBJ_PLATFORM, R_CONTROL);
	(void)p;
	struct device *d = dev_by_index(A(1));
	if (!d)
		return ret(t, refuse(ERR_INVAL, "dev_create: no device %lu\n", A(1)));
	return ret(t, handle_install(t->task, &d->obj, R_MAP | R_CONTROL | R_XFER, 0));
}

/* (dev, notif, bits): the device's interrupt signals bits on notif; a
 * second call replaces the device's binding. */
struct thread *sys_dev_irq(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_DEVICE, R_CONTROL);
	LOOKUP(n, 1, KOBJ_NOTIF, R_SEND);
	struct device *d = OBJ(h, struct device);
	long e = irq_check_dev(d->irq, A(2), d);
	if (e < 0)
		return ret(t, e);
	irq_bind_dev(d->irq, OBJ(n, struct notif), A(2), d);
	return ret(t, 0);
}

struct thread *sys_dev_ack(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_DEVICE, R_CONTROL);
	struct device *d = OBJ(h, struct device);
	return ret(t, irq_ack_dev(d->irq, d));
}

/* For benchmarks under -icount, where idle WFI advances instret. */
struct thread *sys_idle_instret(struct thread *t) { return ret(t, (long)arch_idle_instret()); }
