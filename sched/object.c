/*
 * object.c - kernel object tables, reference counts and per-task handle
 * tables (sched/). A handle number is (generation << 8) | slot: a closed
 * slot bumps its generation, so an old number is refused even after the
 * slot is reused. Lookup checks liveness, type and rights in that order.
 */
#include "sched.h"
#include "mm.h"

static struct task tasks[MAX_TASKS];
static struct thread threads[MAX_THREADS];
static struct endpoint endpoints[MAX_ENDPOINTS];
static struct notif notifs[MAX_NOTIFS];
struct kobj platform_obj = {.type = KOBJ_PLATFORM, .refs = 1};
static struct device devices[BOOTINFO_DEVS];
static unsigned ndevices;

#define HANDLE_SLOT_BITS 8

void obj_init(void)
{
	for (unsigned i = 0; i < MAX_TASKS; i++)
		tasks[i].id = (uint16_t)i;
	for (unsigned i = 0; i < MAX_THREADS; i++)
		threads[i].id = (uint16_t)i;
}

void obj_get(struct kobj *o) { o->refs++; }

static void obj_release(struct kobj *o)
{
	switch (o->type) {
	case KOBJ_THREAD:
		thread_release(thread_of_obj(o));
		break;
	case KOBJ_TASK:
		task_kill((struct task *)o); /* unreachable now: free its memory */
		if (((struct task *)o)->charged)
			obj_orphans((struct task *)o);
		break;
	case KOBJ_ENDPOINT: {
		struct endpoint *ep = (struct endpoint *)o;
		while (ep->q.head)
			ipc_abort(ep->q.head); /* wakes it with ERR_DEAD */
		break;
	}
	case KOBJ_NOTIF:
		notif_abort((struct notif *)o);
		break;
	default:
		break;
	}
	quota_credit(o);
	o->type = KOBJ_NONE;
}

static struct kobj *reap_list;       /* refs reached 0: release at exit */
static struct thread *kill_list;     /* killed as a consequence of a kill */
bool obj_reap_pending;               /* either list is not empty */

void obj_put(struct kobj *o)
{
	if (--o->refs == 0 && o->type != KOBJ_PLATFORM && !o->reaping) {
		o->reaping = true;
		o->reap_next = reap_list;
		reap_list = o;
		obj_reap_pending = true;
	}
}

void thread_kill_later(struct thread *t)
{
	if (t->kill_queued || t->obj.dead)
		return;
	t->kill_queued = true;
	t->kill_next = kill_list;
	kill_list = t;
	obj_reap_pending = true;
}

__attribute__((noinline)) struct thread *obj_reap_slow(struct thread *next)
{
	next->state = TS_RUNNING; /* off every queue: a kill must not unlink it */
	next->queue = NULL;
	obj_reap();
	return next->obj.dead ? sched_next() : next;
}

/* The end of every kernel entry (arch/trap.c): finish deferred kills and
 * releases, each of which may add more, until both lists are empty. */
void obj_reap(void)
{
	while (kill_list || reap_list) {
		if (kill_list) {
			struct thread *t = kill_list;
			kill_list = t->kill_next;
			t->kill_queued = false;
			thread_kill(t);
			continue;
		}
		struct kobj *o = reap_list;
		reap_list = o->reap_next;
		o->reaping = false;
		if (o->refs == 0)
			obj_release(o);
	}
	obj_reap_pending = false;
}

struct task *task_alloc(void)
{
	uint16_t asids = mmu_asid_count();
	for (unsigned i = 1; i < MAX_TASKS; i++) {
		struct task *t = &tasks[i];
		if (t->obj.type != KOBJ_NONE)
			continue;
		uint16_t id = t->id;
		/* A fresh table: handle numbers are private to a task, so the
		 * generations restart and numbering is the same for every new
		 * task (the pager relies on that across fork). */
		__builtin_memset(t, 0, sizeof *t);
		t->id = id;
		t->obj = (struct kobj){.type = KOBJ_TASK, .refs = 0};
		t->asid = asids > 1 ? (uint16_t)(i % asids) : 0;
		mmu_flush_asid(t->asid); /* the previous holder's entries */
		return t;
	}
	return NULL;
}

/* The tasks t created die with it: they live on quota t gave them, and a
 * task holding a handle to itself would otherwise never be released. */
void task_kill_children(struct task *t)
{
	for (unsigned i = 1; i < MAX_TASKS; i++)
		if (tasks[i].obj.type == KOBJ_TASK && tasks[i].quota_from == t)
			task_kill(&tasks[i]);
}

struct thread *thread_alloc(struct task *task)
{
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		struct thread *t = &threads[i];
		if (t->obj.type != KOBJ_NONE)
			continue;
		uint16_t id = t->id;
		__builtin_memset(t, 0, sizeof *t);
		t->id = id;
		t->obj = (struct kobj){.type = KOBJ_THREAD, .refs = 1}; /* alive */
		t->task = task;
		t->state = TS_SUSPENDED;
		t->slice = SLICE_TICKS;
		obj_get(&task->obj);
		t->task_next = task->threads;
		task->threads = t;
		return t;
	}
	return NULL;
}

static void obj_adopt(struct kobj *o, struct task *from, struct task *to)
{
	if (o->type != KOBJ_NONE && o->payer == from) {
		o->payer = to;
		to->charged++;
	}
}

/* Task t is leaving its slot with objects it paid for still alive (held
 * by others): they are charged to its creator from now on, which took
 * t's quota and debts back when t died (quota_return). Rare: a walk. */
void obj_orphans(struct task *t)
{
	struct task *to = t->quota_from;
	for (unsigned i = 1; i < MAX_TASKS; i++) {
		obj_adopt(&tasks[i].obj, t, to);
		if (tasks[i].quota_from == t) /* = its payer: keep the two equal */
			tasks[i].quota_from = to;
	}
	for (unsigned i = 0; i < MAX_THREADS; i++)
		obj_adopt(&threads[i].obj, t, to);
	for (unsigned i = 0; i < MAX_ENDPOINTS; i++)
		obj_adopt(&endpoints[i].obj, t, to);
	for (unsigned i = 0; i < MAX_NOTIFS; i++)
		obj_adopt(&notifs[i].obj, t, to);
	t->charged = 0;
}

struct thread *thread_by_id(uint16_t id) { return id < MAX_THREADS ? &threads[id] : NULL; }

struct endpoint *endpoint_alloc(void)
{
	for (unsigned i = 0; i < MAX_ENDPOINTS; i++) {
		if (endpoints[i].obj.type == KOBJ_NONE) {
			endpoints[i] = (struct endpoint){.obj = {.type = KOBJ_ENDPOINT}};
			return &endpoints[i];
		}
	}
	return NULL;
}

struct notif *notif_alloc(void)
{
	for (unsigned i = 0; i < MAX_NOTIFS; i++) {
		if (notifs[i].obj.type == KOBJ_NONE) {
			notifs[i] = (struct notif){.obj = {.type = KOBJ_NOTIF}};
			return &notifs[i];
		}
	}
	return NULL;
}

/* Find handle h in task t: live, of type (0 = any), with all of rights. */
long handle_lookup(struct task *t, uint64_t h, uint8_t type, uint32_t rights, struct handle **out)
{
	uint64_t slot = h & ((1u << HANDLE_SLOT_BITS) - 1);
	if (slot == 0 || slot >= NHANDLES || (h >> HANDLE_SLOT_BITS) > 0xffff)
		return refuse(ERR_HANDLE, "handle %lx: no such slot (task %u)\n", h, t->id);
	struct handle *e = &t->handles[slot];
	if (!e->obj || e->gen != (h >> HANDLE_SLOT_BITS))
		return refuse(ERR_HANDLE, "handle %lx: closed or stale (task %u)\n", h, t->id);
	if (type && e->obj->type != type)
		return refuse(ERR_TYPE, "handle %lx: wrong object type\n", h);
	if ((e->rights & rights) != rights)
		return refuse(ERR_RIGHTS, "handle %lx: lacks rights %x\n", h, rights & ~e->rights);
	*out = e;
	return 0;
}

long handle_free_slot(struct task *t)
{
	for (long i = 1; i < NHANDLES; i++)
		if (!t->handles[i].obj)
			return i;
	return refuse(ERR_NOMEM, "task %u: handle table full\n", t->id);
}

/* Install into a free slot; returns the handle number. Cannot fail after
 * handle_free_slot said there is room. */
long handle_install(struct task *t, struct kobj *o, uint32_t rights, uint64_t badge)
{
	long slot = handle_free_slot(t);
	if (slot < 0)
		return slot;
	struct handle *e = &t->handles[slot];
	e->gen = (uint16_t)(e->gen + 1) ? (uint16_t)(e->gen + 1) : 1;
	e->obj = o;
	e->rights = rights;
	e->badge = badge;
	obj_get(o);
	return (long)e->gen << HANDLE_SLOT_BITS | slot;
}

/* Boot: the next device (boot.c filtered the DTB's list; it adds at most
 * BOOTINFO_DEVS). refs starts at 1, so closing handles never releases it. */
void dev_add(uint64_t pa, uint32_t irq)
{
	if (ndevices == BOOTINFO_DEVS)
		return;
	devices[ndevices++] = (struct device){.obj = {.type = KOBJ_DEVICE, .refs = 1}, .pa = pa,
					      .irq = irq};
}

struct device *dev_by_index(uint64_t index) { return index < ndevices ? &devices[index] : NULL; }

/* Is d's page still mapped where SYS_DEV_MAP last put it? The record is a
 * hint only: the mapping may have been unmapped or its task may have died
 * (even been reused), so look at the live page table. Only SYS_DEV_MAP
 * can map a device page, so a leaf naming d->pa there is d's mapping. */
bool dev_mapped(const struct device *d)
{
	struct task *t = d->map_task;
	if (!t || t->obj.type != KOBJ_TASK || t->obj.dead || !t->root_pa)
		return false;
	int level;
	pte_t *e = pt_lookup(t->root_pa, d->map_va, &level);
	return e && level == 0 && pte_is_leaf(*e) && pte_pa(*e) == d->pa;
}

void handle_close(struct task *t, long slot)
{
	struct kobj *o = t->handles[slot].obj;
	t->handles[slot].obj = NULL;
	if (o)
		obj_put(o);
}
