/*
 * ipc.c - synchronous IPC and notifications (sched/). A message is a label
 * and six words carried in registers (libsys/abi.h) plus an optional
 * handle. An endpoint queues either callers or receivers. A call that finds
 * a receiver waiting switches straight to it (no scheduler pass); the
 * receiver's reply switches straight back. Faults enter here as calls
 * made on the faulting thread's behalf (fault/fault.c).
 */
#include "fault.h"
#include "sched.h"

#define R_A0 10
#define R_A1 11
#define R_A2 12
#define R_T1 6

/* Copy handle h of sender s into receiver r's table: the new handle, 0 for
 * none, or an error if it vanished since the call was checked or r's
 * table is full. */
static long ipc_xfer(struct thread *s, struct thread *r, uint64_t h)
{
	struct handle *e;
	if (!h)
		return 0;
	if (handle_lookup(s->task, h, 0, R_XFER, &e) < 0)
		return ERR_HANDLE;
	return handle_install(r->task, e->obj, e->rights, e->badge);
}

/* Copy label and six words (a1..a7) between frames, unrolled: this is the
 * IPC hot path. */
static inline void ipc_copy_regs(uint64_t *d, const uint64_t *s)
{
	d[R_A1] = s[R_A1];
	d[R_A2] = s[R_A2];
	d[R_A2 + 1] = s[R_A2 + 1];
	d[R_A2 + 2] = s[R_A2 + 2];
	d[R_A2 + 3] = s[R_A2 + 3];
	d[R_A2 + 4] = s[R_A2 + 4];
	d[R_A2 + 5] = s[R_A2 + 5];
}

/* Sender s's message (its registers, or its fault record) into r's. */
static inline void ipc_deliver(struct thread *s, struct thread *r, uint64_t badge)
{
	uint64_t *d = r->tf.regs;
	d[R_A0] = badge;
	if (__builtin_expect(s->in_fault, 0)) {
		d[R_A1] = LABEL_FAULT;
		for (unsigned i = 0; i < 6; i++)
			d[R_A2 + i] = s->fault_msg[i];
		d[R_T1] = 0;
		return;
	}
	ipc_copy_regs(d, s->tf.regs);
	uint64_t h = s->tf.regs[R_T1];
	d[R_T1] = h ? (uint64_t)ipc_xfer(s, r, h) : 0;
}

/* Caller c now waits for server r's reply. A server may hold one caller;
 * one it left unanswered is released with ERR_STATE. */
static void ipc_link(struct thread *c, struct thread *r)
{
	struct thread *old = r->reply_to;
	if (old) {
		old->server = NULL;
		if (old->in_fault) { /* its registers are not ours to clobber */
			r->reply_to = NULL;
			thread_kill(old);
		} else {
			old->tf.regs[R_A0] = (uint64_t)ERR_STATE;
			sched_ready(old);
		}
	}
	r->reply_to = c;
	c->server = r;
	c->state = TS_REPLY;
}

static void ipc_block(struct endpoint *ep, struct thread *t, bool receiver, uint8_t state)
{
	ep->receivers = receiver;
	tq_push(&ep->q, t);
	t->queue = ep;
	t->state = state;
}

struct thread *ipc_call(struct thread *t, struct endpoint *ep, uint64_t badge)
{
	if (ep->receivers && ep->q.head) {
		struct thread *r = tq_pop(&ep->q);
		ipc_deliver(t, r, badge);
		ipc_link(t, r);
		return r; /* direct switch: t waits, r runs now */
	}
	t->ipc_badge = badge;
	ipc_block(ep, t, false, TS_SEND);
	return sched_next();
}

struct thread *ipc_recv(struct thread *t, struct endpoint *ep, bool block)
{
	if (!ep->receivers && ep->q.head) {
		struct thread *s = tq_pop(&ep->q);
		ipc_deliver(s, t, s->ipc_badge);
		ipc_link(s, t);
		return sched_resume(t);
	}
	if (!block) {
		t->tf.regs[R_A0] = (uint64_t)ERR_AGAIN;
		return sched_resume(t);
	}
	ipc_block(ep, t, true, TS_RECV);
	return sched_next();
}

/* Non-blocking send: only to a receiver already waiting; it gets no caller
 * to reply to. */
struct thread *ipc_send(struct thread *t, struct endpoint *ep, uint64_t badge)
{
	if (!ep->receivers || !ep->q.head) {
		t->tf.regs[R_A0] = (uint64_t)ERR_AGAIN;
		return sched_resume(t);
	}
	struct thread *r = tq_pop(&ep->q);
	ipc_deliver(t, r, badge);
	t->tf.regs[R_A0] = 0;
	sched_ready(r);
	return sched_resume(t);
}

/* Deliver t's reply to caller c; false if c does not resume (killed). */
static inline bool ipc_do_reply(struct thread *t, struct thread *c)
{
	c->server = NULL;
	c->reply_saved = false;
	if (c->in_fault)
		return fault_do_reply(t, c);
	uint64_t *d = c->tf.regs, h = t->tf.regs[R_T1];
	d[R_A0] = 0;
	ipc_copy_regs(d, t->tf.regs);
	d[R_T1] = h ? (uint64_t)ipc_xfer(t, c, h) : 0;
	return true;
}

/* Reply to t's caller, then (reply-and-receive) wait on ep. Without a
 * caller a plain reply is an error; reply-and-receive just receives. */
struct thread *ipc_reply(struct thread *t, bool then_recv, struct endpoint *ep)
{
	struct thread *c = t->reply_to;
	if (!c && !then_recv) {
		t->tf.regs[R_A0] = (uint64_t)refuse(ERR_STATE, "reply: no caller\n");
		return sched_resume(t);
	}
	long err = c && c->in_fault ? fault_check_reply(t, c) : 0;
	if (err < 0) {
		t->tf.regs[R_A0] = (uint64_t)err;
		return sched_resume(t);
	}
	t->reply_to = NULL;
	bool resume = c && ipc_do_reply(t, c);
	t->tf.regs[R_A0] = 0;
	if (then_recv && (ep->receivers || !ep->q.head)) {
		ipc_block(ep, t, true, TS_RECV);
		return resume ? c : sched_next(); /* direct switch back */
	}
	if (resume)
		sched_ready(c);
	return then_recv ? ipc_recv(t, ep, true) : sched_resume(t);
}

/* Keep t's pending caller for later: returns a handle with R_REPLY on the
 * caller, so the server can receive other calls and answer this one with
 * REPLY_TO (deferred replies: wait, blocking reads). */
long ipc_reply_save(struct thread *t)
{
	struct thread *c = t->reply_to;
	if (!c)
		return refuse(ERR_STATE, "reply_save: no caller\n");
	long h = handle_install(t->task, &c->obj, R_REPLY, ++c->call_seq);
	if (h < 0)
		return h;
	t->reply_to = NULL;
	c->reply_saved = true; /* c->server stays t: its death releases c */
	return h;
}

long ipc_check_reply_to(struct thread *t, struct thread *c, uint64_t call)
{
	if (c->obj.dead || c->state != TS_REPLY || !c->reply_saved || c->call_seq != call ||
	    c->server->task != t->task)
		return refuse(ERR_STATE, "reply_to: thread %u is not waiting on us\n", c->id);
	return c->in_fault ? fault_check_reply(t, c) : 0;
}

void ipc_reply_to(struct thread *t, struct thread *c)
{
	if (ipc_do_reply(t, c))
		sched_ready(c);
}

/* t is queued on an endpoint whose last reference went: fail its call. */
void ipc_abort(struct thread *t)
{
	struct endpoint *ep = t->queue;
	tq_remove(&ep->q, t);
	t->queue = NULL;
	if (t->in_fault) { /* cannot happen: the fault handle holds a ref */
		thread_kill(t);
		return;
	}
	t->tf.regs[R_A0] = (uint64_t)ERR_DEAD;
	sched_ready(t);
}

void notif_signal(struct notif *n, uint64_t bits)
{
	struct thread *w = tq_pop(&n->q);
	if (!w) {
		n->bits |= bits;
		return;
	}
	w->queue = NULL;
	w->tf.regs[R_A0] = bits | n->bits;
	n->bits = 0;
	sched_ready(w);
}

static struct notif *notif_timers; /* armed one-shot timers, unsorted */

void notif_timer_cancel(struct notif *n)
{
	for (struct notif **p = &notif_timers; *p; p = &(*p)->timer_next) {
		if (*p == n) {
			*p = n->timer_next;
			break;
		}
	}
	n->timer_at = 0;
}

void notif_timer_tick(uint64_t now)
{
	struct notif **p = &notif_timers;
	while (*p) {
		struct notif *n = *p;
		if (n->timer_at > now) {
			p = &n->timer_next;
			continue;
		}
		*p = n->timer_next;
		n->timer_at = 0;
		notif_signal(n, n->timer_bits);
	}
}

void notif_timer_arm(struct notif *n, uint64_t at, uint64_t bits)
{
	if (n->timer_at)
		notif_timer_cancel(n);
	n->timer_at = at;
	n->timer_bits = bits;
	n->timer_next = notif_timers;
	notif_timers = n;
}

void notif_abort(struct notif *n)
{
	struct thread *w;
	if (n->timer_at)
		notif_timer_cancel(n);
	while ((w = tq_pop(&n->q))) {
		w->queue = NULL;
		w->tf.regs[R_A0] = (uint64_t)ERR_DEAD;
		sched_ready(w);
	}
}
