/*
 * quota.c - who pays for kernel objects (sched/). As in seL4, kernel memory
 * is paid for by the task that asks for it: each task holds a quota of each
 * kind (KQ_*: page-table pages, tasks, threads, endpoints, notifications),
 * cut from its creator's, and every object it creates is charged to it.
 * A dead task's quota and debts go back to its creator, so whatever a task
 * made, however it passed quota on to tasks of its own, comes back whole.
 */
#include "sched.h"
#include "mm.h"

static const char *const quota_names[KQ_COUNT] = {"page-table", "task", "thread", "endpoint",
						   "notification"};

/* The root task holds everything the kernel has: the page-table pool and
 * every free table slot (the root's own task and thread are taken). */
void quota_root(struct task *root)
{
	root->quota[KQ_PT] = (uint32_t)kpool_total_pages();
	root->quota[KQ_TASK] = MAX_TASKS - 2; /* slot 0 is never used */
	root->quota[KQ_THREAD] = MAX_THREADS - 1;
	root->quota[KQ_EP] = MAX_ENDPOINTS;
	root->quota[KQ_NOTIF] = MAX_NOTIFS;
}

/* Check: may t take n more of kind? 0 or ERR_QUOTA (with a verbose line). */
long quota_check(const struct task *t, unsigned kind, uint64_t n)
{
	uint32_t room = t->quota[kind] - t->used[kind];
	if (n <= room)
		return 0;
	return refuse(ERR_QUOTA, "task %u: %s quota: %lu asked, %u left\n", t->id,
		      quota_names[kind], n, room);
}

/* Charge object o to t. o names t until it is released; t counts such
 * objects so that, if t's slot is freed first, they can be handed up to
 * its creator (quota_orphans). No reference: a child task must not keep
 * its creator from being released, which is what kills the child. */
void quota_charge(struct task *t, struct kobj *o, unsigned kind)
{
	t->used[kind]++;
	t->charged++;
	o->payer = t;
}

static unsigned quota_kind(const struct kobj *o)
{
	switch (o->type) {
	case KOBJ_TASK:
		return KQ_TASK;
	case KOBJ_THREAD:
		return KQ_THREAD;
	case KOBJ_ENDPOINT:
		return KQ_EP;
	default:
		return KQ_NOTIF;
	}
}

/* o is being released: credit its payer, or, if that died, the live task
 * that took the payer's quota and debts back (quota_return). A dead task
 * on the way is still in its slot: a freed one has no objects left. */
void quota_credit(struct kobj *o)
{
	struct task *t = o->payer;
	if (!t)
		return; /* made at boot, paid by nobody */
	o->payer->charged--;
	o->payer = NULL;
	while (t->obj.dead && t->quota_from)
		t = t->quota_from;
	t->used[quota_kind(o)]--;
}

/* Move n of kind from creator to its child (the checks are the caller's). */
void quota_give(struct task *from, struct task *to, unsigned kind, uint32_t n)
{
	from->quota[kind] -= n;
	from->lent[kind] += n;
	to->quota[kind] += n;
}

/* t is dying and its children are dead: their quota came back to t, so
 * nothing is lent. Give t's quota, and its debts for objects not yet
 * released, to its creator. quota_from stays set, for quota_credit. */
void quota_return(struct task *t)
{
	struct task *p = t->quota_from;
	if (!p)
		return;
	for (unsigned k = 0; k < KQ_COUNT; k++) {
		p->quota[k] += t->quota[k];
		p->lent[k] -= t->quota[k];
		p->used[k] += t->used[k];
		t->quota[k] = 0;
		t->used[k] = 0;
	}
}
