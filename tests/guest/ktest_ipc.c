/*
 * ktest_ipc.c - IPC sections of the kernel test suite: call/reply between
 * two tasks with badges, handle rights and forged/stale handles, handle
 * transfer, non-blocking calls, deferred replies, and killing a server.
 * The peer is a clone that answers on an endpoint handle we gave it.
 */
#include "ktest.h"

#define NSLOTS 256 /* handle slots per task (sched.h NHANDLES) */

enum {
	PEER_SIGNAL = 20,
	PEER_NOTE = 30,
	PEER_QUERY = 40,
	PEER_SAVE = 50,
	PEER_RELEASE = 60,
	PEER_GIVE = 70
};

struct peer {
	long ep, saved, count, note, errors, give;
};

/* PEER_RELEASE: answer the saved caller, then try the used handle again. */
static void peer_release(struct peer *p, struct msg *r)
{
	struct msg d = { .label = 77, .w = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5 } };
	r->w[1] = (uint64_t)sys_reply_to(p->saved, &d);
	d = (struct msg){ .label = 78 };
	r->w[2] = (uint64_t)sys_reply_to(p->saved, &d);
}

/* Turn message m from badge into the reply (ignored when nobody waits). */
static void peer_answer(struct peer *p, long badge, struct msg *m)
{
	struct msg r = { .label = m->label + 100, .w = { (uint64_t)badge } };
	p->count++;
	switch (m->label) {
	case PEER_SIGNAL:
		r.w[1] = (uint64_t)sys_notif_signal((long)m->handle, 0x5);
		r.w[2] = m->handle & 0xff;
		sys_handle_close((long)m->handle);
		break;
	case PEER_NOTE:
		p->note = (long)m->w[0];
		break;
	case PEER_QUERY:
		r.w[1] = (uint64_t)p->count, r.w[2] = (uint64_t)p->note;
		r.w[3] = (uint64_t)p->errors, r.w[4] = (uint64_t)p->ep;
		break;
	case PEER_SAVE:
		p->saved = sys_reply_save();
		break;
	case PEER_RELEASE:
		peer_release(p, &r);
		break;
	case PEER_GIVE: /* reply with our own notification, bits 0x21 pending */
		if (!p->give)
			p->give = sys_notif_create();
		sys_notif_signal(p->give, 0x21);
		r.handle = (uint64_t)p->give;
		break;
	default:
		for (int i = 1; i < 6; i++)
			r.w[i] = 2 * m->w[i];
	}
	*m = r;
}

/* The clone's body: ep is the endpoint handle root_clone_give gave it. */
static void peer_main(long ep)
{
	struct peer p = { .ep = ep };
	struct msg m = { 0 };
	long badge = sys_recv(p.ep, &m);
	for (;; badge = sys_reply_recv(p.ep, &m)) {
		if (badge < 0) {
			p.errors++;
			m = (struct msg){ 0 };
			continue;
		}
		peer_answer(&p, badge, &m);
	}
}

static long g_ep, g_peer, g_peer_th, g_b42, g_b43;
static long g_expect; /* messages the peer should have received */

static long peer_call(long h, struct msg *m)
{
	g_expect++;
	return sys_call(h, m);
}

/* The peer's own count of messages must match ours exactly. */
static void peer_check(long note, const char *when)
{
	struct msg m = { .label = PEER_QUERY };
	chk(peer_call(g_b42, &m), 0, "%s: query the peer", when);
	chk((long)m.w[1], g_expect, "%s: peer got exactly the messages meant for it", when);
	chk((long)m.w[2], note, "%s: peer's last note", when);
	chk((long)m.w[3], 0, "%s: peer saw no IPC errors", when);
}

static void ipc_setup(void)
{
	struct msg m = { .label = PEER_QUERY };
	g_ep = sys_ep_create();
	g_peer = root_clone_give(peer_main, 0, g_ep, R_RECV, 30, CLONE_QUOTA, &g_peer_th);
	ok(g_peer > 0, "clone a peer task given a receive handle (%ld)", g_peer);
	chk(peer_call(g_ep, &m), 0, "query the peer");
	chk((long)m.w[0], 0, "through an unbadged handle the peer sees badge 0");
	chk((long)m.w[4], 0x101, "the peer's endpoint handle: slot 1, generation 1");
	g_b42 = sys_handle_dup(g_ep, R_SEND, 0x42);
	g_b43 = sys_handle_dup(g_ep, R_SEND, 0x43);
	ok(g_b42 > 0 && g_b43 > 0, "dup send handles badged 0x42 and 0x43");
}

/* Section 2: label 7, words 1..6; reply label 107, w0 = badge, 2*w[i]. */
static void ipc_echo(long h, long badge)
{
	struct msg m = { .label = 7, .w = { 1, 2, 3, 4, 5, 6 } };
	chk(peer_call(h, &m), 0, "call with badge %#lx returns 0", badge);
	chk((long)m.label, 107, "badge %#lx: reply label", badge);
	chk((long)m.w[0], badge, "badge %#lx: the peer saw our badge", badge);
	for (int i = 1; i < 6; i++)
		chk((long)m.w[i], 2 * (i + 1), "badge %#lx: w%d doubled", badge, i);
	chk((long)m.handle, 0, "badge %#lx: no handle in the reply", badge);
}

/* Section 3: missing rights, wrong types, bad badges and labels. */
static void ipc_rights(void)
{
	struct msg m = { .label = 7 };
	long nosend = sys_handle_dup(g_ep, R_RECV | R_XFER, 0);
	long sendonly = sys_handle_dup(g_ep, R_SEND, 0);
	chk(sys_call(nosend, &m), ERR_RIGHTS, "call without R_SEND");
	chk(sys_recv(sendonly, &m), ERR_RIGHTS, "recv on a send-only handle");
	chk(sys_poll(sendonly, &m), ERR_RIGHTS, "poll on a send-only handle");
	chk(sys_handle_dup(sendonly, R_SEND | R_RECV, 0), ERR_RIGHTS, "dup with more rights");
	chk(sys_handle_give(g_peer, sendonly, R_SEND, 0), ERR_RIGHTS, "give without R_XFER");
	chk(sys_handle_dup(g_b42, R_SEND, 0x43), ERR_INVAL, "re-badge a badged handle");
	chk(sys_handle_dup(g_ep, R_SEND, LABEL_KERNEL), ERR_INVAL, "badge >= LABEL_KERNEL");
	m.label = LABEL_KERNEL;
	chk(sys_call(g_b42, &m), ERR_INVAL, "call with label LABEL_KERNEL");
	m.label = LABEL_FAULT;
	chk(sys_send(g_b42, &m), ERR_INVAL, "send with label LABEL_FAULT");
	m.label = LABEL_FAULT;
	chk(sys_reply(&m), ERR_INVAL, "reply with a kernel label");
	chk(sys_map(g_ep, test_va(), root_frame(), PERM_R), ERR_TYPE, "map with an endpoint");
	chk(sys_notif_signal(g_ep, 1), ERR_TYPE, "signal an endpoint");
	chk(sys_handle_close(nosend), 0, "close");
	chk(sys_handle_close(sendonly), 0, "close");
}

/* Section 3: forged numbers and a stale number, also after slot reuse. */
static void ipc_forged(void)
{
	static const long forged[] = { 0, 0x7777, -1, 1L << 40 };
	struct msg m = { .label = 7 };
	for (unsigned i = 0; i < 4; i++)
		chk(sys_call(forged[i], &m), ERR_HANDLE, "call through forged %#lx", forged[i]);
	chk(sys_call(g_b42 + 0x100, &m), ERR_HANDLE, "call through a live slot, next generation");
	long s = sys_handle_dup(g_ep, R_SEND, 0);
	chk(sys_handle_close(s), 0, "close a handle");
	chk(sys_call(s, &m), ERR_HANDLE, "call through the closed handle");
	long s2 = sys_handle_dup(g_ep, R_SEND, 0x44);
	chk(s2 & 0xff, s & 0xff, "a new handle reuses the slot");
	ok(s2 != s, "... under a new number (%#lx, was %#lx)", s2, s);
	chk(sys_call(s, &m), ERR_HANDLE, "the old number is still refused");
	chk(sys_handle_close(s), ERR_HANDLE, "close through the old number");
	m = (struct msg){ .label = 7 };
	chk(peer_call(s2, &m), 0, "the new handle works");
	chk((long)m.w[0], 0x44, "... with its own badge");
	sys_handle_close(s2);
}

/* Section 4: a notification handle rides along; without R_XFER nothing goes. */
static void ipc_transfer(void)
{
	long n = sys_notif_create();
	struct msg m = { .label = PEER_SIGNAL, .handle = (uint64_t)n };
	chk(peer_call(g_b42, &m), 0, "call carrying a notification handle");
	chk((long)m.label, PEER_SIGNAL + 100, "transfer: reply label");
	chk((long)m.w[1], 0, "the peer signalled the handle it got");
	chk((long)m.w[2], 2, "it landed in the peer's slot 2");
	chk(wait_timed(n), 0x5, "our wait returns the peer's bits 0x5");
	long nx = sys_handle_dup(n, R_SEND | R_RECV, 0);
	m = (struct msg){ .label = PEER_SIGNAL, .handle = (uint64_t)nx };
	chk(sys_call(g_b42, &m), ERR_RIGHTS, "transfer without R_XFER");
	chk(sys_notif_poll(n), 0, "... and nothing was signalled");
	sys_handle_close(nx);
	m = (struct msg){ .label = PEER_SIGNAL, .handle = (uint64_t)nx };
	chk(sys_call(g_b42, &m), ERR_HANDLE, "transfer a closed handle");
	peer_check(0, "after transfers");
	sys_handle_close(n);
}

/* A reply carries a handle; into a full table it arrives as ERR_NOMEM. */
static void ipc_reply_handle(void)
{
	long hs[NSLOTS + 1] = { 0 }, n = 0;
	struct msg m = { .label = PEER_GIVE };
	chk(peer_call(g_b42, &m), 0, "the peer replies with a handle");
	chk(sys_notif_poll((long)m.handle), 0x21, "it names the peer's notification");
	chk(sys_handle_close((long)m.handle), 0, "close it");
	while (n < NSLOTS && (hs[n] = sys_handle_dup(g_park, R_SEND, 0)) > 0)
		n++;
	chk(hs[n], ERR_NOMEM, "dup into a full handle table");
	m = (struct msg){ .label = PEER_GIVE };
	chk(peer_call(g_b42, &m), 0, "a call still works with our table full");
	chk((long)m.handle, ERR_NOMEM, "... but its reply's handle could not be installed");
	for (long i = 0; i < n; i++)
		sys_handle_close(hs[i]);
	long h = sys_handle_dup(g_park, R_SEND, 0);
	ok(h > 0, "room again after closing them (%ld)", h);
	sys_handle_close(h);
}

/* Section 5: calls that would block fail instead; send to a waiter works. */
static void ipc_nonblocking(void)
{
	long e = sys_ep_create();
	struct msg m = { .label = 1 };
	chk(sys_send(e, &m), ERR_AGAIN, "send with no receiver");
	chk(sys_poll(e, &m), ERR_AGAIN, "poll on an empty endpoint (the send left nothing)");
	m = (struct msg){ .label = 1 };
	chk(sys_reply(&m), ERR_STATE, "reply with no caller");
	chk(sys_reply_save(), ERR_STATE, "reply_save with no caller");
	sys_handle_close(e);
	m = (struct msg){ .label = PEER_NOTE, .w = { 0x77 } };
	g_expect++;
	chk(sys_send(g_b42, &m), 0, "send to a waiting receiver");
	peer_check(0x77, "after a send");
}

/* Section 18: the peer saves a caller's reply and answers it later. */
static void ipc_deferred(void)
{
	static struct job j;
	j = (struct job){ .kind = JOB_CALL, .addr = (uint64_t)g_b43, .m = { .label = PEER_SAVE } };
	g_expect++;
	long th = start_job(&j, 25, 0);
	sys_sleep(5); /* j calls, the peer saves the reply and waits again */
	chk(j.done, 0, "the saved caller still waits");
	struct msg m = { .label = PEER_RELEASE };
	chk(peer_call(g_b42, &m), 0, "ask the peer to answer it");
	chk((long)m.w[1], 0, "reply_to the saved caller");
	chk((long)m.w[2], ERR_HANDLE, "reply_to again: the handle was consumed");
	chk(wait_until(&j.done, 1), 1, "the saved caller ran on");
	chk(j.result, 0, "its call returned 0");
	chk((long)j.m.label, 77, "it got the deferred label");
	for (int i = 0; i < 6; i++)
		chk((long)j.m.w[i], 0xa0 + i, "deferred reply w%d", i);
	peer_check(0x77, "after a deferred reply");
	sys_handle_close(th);
}

/* Killing a server releases a caller whose reply it saved. */
static void ipc_kill_server(void)
{
	static struct job j;
	j = (struct job){ .kind = JOB_CALL, .addr = (uint64_t)g_b43, .m = { .label = PEER_SAVE } };
	long th = start_job(&j, 25, 0);
	sys_sleep(5);
	chk(j.done, 0, "another saved caller waits");
	chk(sys_task_kill(g_peer), 0, "kill the peer task");
	chk(wait_until(&j.done, 1), 1, "the saved caller ran on");
	chk(j.result, ERR_DEAD, "its call failed with ERR_DEAD");
	chk(sys_task_info(g_peer, NULL, NULL), ERR_DEAD, "the peer task is dead");
	struct msg m = { .label = 1 };
	chk(sys_send(g_b42, &m), ERR_AGAIN, "nobody receives on the endpoint any more");
	sys_handle_close(th);
	sys_handle_close(g_b42);
	sys_handle_close(g_b43);
	sys_handle_close(g_peer);
	sys_handle_close(g_peer_th);
	sys_handle_close(g_ep);
}

void test_ipc(void)
{
	ipc_setup();
	ipc_echo(g_b42, 0x42);
	ipc_echo(g_b43, 0x43);
	ipc_rights();
	ipc_forged();
	ipc_transfer();
	ipc_reply_handle();
	ipc_nonblocking();
	ipc_deferred();
	ipc_kill_server();
}
