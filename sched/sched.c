/*
 * sched.c - the scheduler (sched/): one FIFO run queue per priority
 * (0..PRIO_MAX, higher first) with a bitmap of non-empty queues, round
 * robin within a priority by time slices counted in timer ticks
 * (arch/timer.c), and a sorted list of sleeping threads. The running
 * thread is not on any queue.
 */
#include "sched.h"

static struct tqueue runq[PRIO_MAX + 1];
static uint32_t runq_mask;       /* bit p set: runq[p] not empty */
static struct thread *sleepers;  /* sorted by wake_at */
static uint64_t ticks;           /* timer ticks since boot */

void tq_push(struct tqueue *q, struct thread *t)
{
	t->next = NULL;
	t->prev = q->tail;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

void tq_remove(struct tqueue *q, struct thread *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		q->tail = t->prev;
	t->next = t->prev = NULL;
}

struct thread *tq_pop(struct tqueue *q)
{
	struct thread *t = q->head;
	if (t)
		tq_remove(q, t);
	return t;
}

void sched_init(void) {}

void sched_ready(struct thread *t)
{
	struct hart *h = this_hart();
	t->state = TS_READY;
	tq_push(&runq[t->prio], t);
	runq_mask |= 1u << t->prio;
	if (h->current && t->prio > h->current->prio)
		h->resched = true;
}

void sched_unready(struct thread *t)
{
	tq_remove(&runq[t->prio], t);
	if (!runq[t->prio].head)
		runq_mask &= ~(1u << t->prio);
}

static unsigned sched_top_prio(uint32_t mask)
{
	unsigned p = 0;
	while (mask >>= 1)
		p++;
	return p;
}

/* Highest-priority ready thread, off its queue; idles until there is one. */
struct thread *sched_next(void)
{
	for (;;) {
		if (obj_reap_pending)
			obj_reap(); /* before choosing: it may kill or wake threads */
		if (runq_mask)
			break;
		arch_idle_wait();
	}
	unsigned p = sched_top_prio(runq_mask);
	struct thread *t = runq[p].head;
	sched_unready(t);
	this_hart()->resched = false;
	return t;
}

/* Back to user after an event: keep cur unless its slice ran out or a
 * higher-priority thread became ready. cur may be NULL or no longer
 * running (blocked or killed). */
struct thread *sched_resume(struct thread *cur)
{
	struct hart *h = this_hart();
	if (!cur || cur->state != TS_RUNNING)
		return sched_next();
	if (!h->resched)
		return cur;
	h->resched = false;
	bool higher = (uint64_t)runq_mask >> (cur->prio + 1); /* prio 31: shift 32 */
	bool peer = runq_mask & (1u << cur->prio);
	if (cur->slice) {
		if (!higher)
			return cur; /* woken only to re-check: nothing outranks cur */
	} else {
		cur->slice = SLICE_TICKS;
		if (!higher && !peer)
			return cur; /* slice over but nobody else at this priority */
	}
	sched_ready(cur);
	return sched_next();
}

uint64_t sched_ticks(void) { return ticks; }

static void sched_wake_sleepers(void)
{
	while (sleepers && sleepers->wake_at <= ticks) {
		struct thread *t = sleepers;
		sleepers = t->next;
		t->next = NULL;
		t->tf.regs[REG_A0] = 0;
		sched_ready(t);
	}
}

/* Timer interrupt: account the slice, wake sleepers and timers. */
void sched_tick(void)
{
	struct hart *h = this_hart();
	ticks++;
	timer_arm_next();
	sched_wake_sleepers();
	notif_timer_tick(ticks);
	struct thread *cur = h->current;
	if (cur && cur->state == TS_RUNNING && cur->slice && --cur->slice == 0)
		h->resched = true;
}

void sched_sleep(struct thread *t, uint64_t n)
{
	struct thread **p = &sleepers;
	t->state = TS_SLEEP;
	t->wake_at = ticks + (n ? n : 1);
	while (*p && (*p)->wake_at <= t->wake_at)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

void sched_unsleep(struct thread *t)
{
	for (struct thread **p = &sleepers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			t->next = NULL;
			return;
		}
	}
}
