/*
 * task.c - life and death of threads and tasks (sched/). Killing undoes
 * every link a thread can have: queues, a caller waiting on it, a server
 * it waits on, the FPU, the fault handler reference. Killing a task kills
 * its threads, closes its handles, frees its page tables and returns its
 * quotas to the task that gave them (sched/quota.c). The tasks a task
 * created die with it.
 */
#include "mm.h"
#include "sched.h"

#define R_A0 10

static void thread_unlink(struct thread *t)
{
	switch (t->state) {
	case TS_READY:
		sched_unready(t);
		break;
	case TS_SEND:
	case TS_RECV:
		if (t->queue) /* ipc_abort may have dequeued it already */
			tq_remove(&((struct endpoint *)t->queue)->q, t);
		break;
	case TS_NOTIF:
		if (t->queue)
			tq_remove(&((struct notif *)t->queue)->q, t);
		break;
	case TS_SLEEP:
		sched_unsleep(t);
		break;
	case TS_REPLY:
		if (t->server && !t->reply_saved)
			t->server->reply_to = NULL;
		break;
	default:
		break;
	}
	t->queue = NULL;
	t->server = NULL;
}

/* Callers whose saved reply t held would wait forever. */
static void thread_release_saved(struct thread *t)
{
	for (uint16_t i = 0; i < MAX_THREADS; i++) {
		struct thread *c = thread_by_id(i);
		if (c->obj.type == KOBJ_THREAD && c->state == TS_REPLY && c->reply_saved &&
		    c->server == t) {
			c->server = NULL;
			c->reply_saved = false;
			c->tf.regs[R_A0] = (uint64_t)ERR_DEAD;
			if (c->in_fault)
				thread_kill_later(c);
			else
				sched_ready(c);
		}
	}
}

void thread_kill(struct thread *t)
{
	struct hart *h = this_hart();
	if (t->obj.dead)
		return;
	t->obj.dead = true;
	thread_unlink(t);
	struct thread *c = t->reply_to;
	if (c) { /* its caller would wait forever */
		t->reply_to = NULL;
		c->server = NULL;
		if (c->in_fault) {
			thread_kill_later(c); /* no recursion: obj_reap does it */
		} else {
			c->tf.regs[R_A0] = (uint64_t)ERR_DEAD;
			sched_ready(c);
		}
	}
	thread_release_saved(t);
	if (t->fault_ep) {
		struct endpoint *ep = t->fault_ep;
		t->fault_ep = NULL;
		obj_put(&ep->obj);
	}
	if (h->fp_owner == t)
		h->fp_owner = NULL;
	if (h->current == t)
		h->current = NULL; /* its slot may be reused before we leave */
	t->state = TS_DEAD;
	t->in_fault = false;
	obj_put(&t->obj); /* the "alive" reference */
}

static void task_unlink_thread(struct task *task, struct thread *t)
{
	for (struct thread **p = &task->threads; *p; p = &(*p)->task_next) {
		if (*p == t) {
			*p = t->task_next;
			return;
		}
	}
}

/* Called by obj_release when a dead thread's last reference goes. */
void thread_release(struct thread *t)
{
	struct task *task = t->task;
	task_unlink_thread(task, t);
	t->task = NULL;
	obj_put(&task->obj);
}

void task_kill(struct task *t)
{
	if (t->obj.dead)
		return;
	t->obj.dead = true;
	if (t->death) { /* whoever watches us (the pager) learns of it */
		notif_signal(t->death, t->death_bits);
		obj_put(&t->death->obj);
		t->death = NULL;
	}
	task_kill_children(t); /* first: their quota comes back to t */
	for (struct thread *th = t->threads; th; th = th->task_next)
		thread_kill(th);
	for (long i = 1; i < NHANDLES; i++)
		handle_close(t, i);
	vm_destroy(t);
	quota_return(t); /* to the creator: alive, or dying and collecting */
	if (t->id == 1) {
		kprintf("kernel: the root task died; stopping\n");
		arch_poweroff(98);
	}
}

void thread_start(struct thread *t) { sched_ready(t); }
