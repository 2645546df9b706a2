/*
 * ktest_fault_map.c - page faults answered by a handler in the kernel test
 * suite: FAULT_MAP (accepted and refused), FAULT_RESUME after protect,
 * faults from read-only, unmapped and protected pages (TLB flushes), a
 * fault from another task, and a fault reply deferred with reply_save.
 */
#include "ktest.h"

#define SELF H_SELF_TASK

/* Section 7: FAULT_MAP a grant frame at the faulting address. */
static void fault_map_ok(void)
{
	static struct job j;
	uint64_t x = test_va(), pa = root_frame();
	struct msg m = { 0 };
	long badge;
	j = (struct job){ .kind = JOB_STORE, .addr = x, .val = 0x1234 };
	long th = take_fault(&j, &m, &badge, 0);
	check_fault(badge, &m, WANT(15, x, fault_store, 0), "store to an unmapped page");
	m = (struct msg){ .label = FAULT_MAP, .w = { x, pa, PERM_R | PERM_W } };
	chk(sys_reply(&m), 0, "reply FAULT_MAP");
	chk(wait_until(&j.done, 1), 1, "the thread resumed and finished");
	chk(j.result, 0x1234, "it read back 0x1234");
	chk((long)*(volatile uint64_t *)root_frame_va(pa), 0x1234, "we see 0x1234 in the frame");
	chk(sys_poll(g_f, &m), ERR_AGAIN, "no second fault");
	sys_handle_close(th);
}

static void map_reply(uint64_t va, uint64_t pa, uint64_t perms, long want, const char *what)
{
	struct msg m = { .label = FAULT_MAP, .w = { va, pa, perms } };
	chk(sys_reply(&m), want, "FAULT_MAP %s", what);
}

/* Section 7: refused FAULT_MAP replies leave the faulter waiting. */
static void fault_map_refused(void)
{
	static struct job j;
	const struct bootinfo *bi = libsys_bootinfo;
	uint64_t y = test_va(), pa = root_frame();
	struct msg m = { 0 };
	long badge;
	j = (struct job){ .kind = JOB_LOAD, .addr = y };
	long th = take_fault(&j, &m, &badge, 0);
	check_fault(badge, &m, WANT(13, y, fault_load, 0), "load from an unmapped page");
	map_reply(y, bi->grant_end, PERM_R, ERR_GRANT, "of a frame outside the grant");
	map_reply(y, 0x80200000, PERM_R, ERR_GRANT, "of the kernel's frame");
	map_reply(y, pa + 8, PERM_R, ERR_ALIGN, "of an unaligned frame");
	map_reply(y, pa, PERM_W, ERR_INVAL, "with perms W alone");
	map_reply(y + 8, pa, PERM_R, ERR_ALIGN, "at an unaligned va");
	map_reply(USER_TOP, pa, PERM_R, ERR_RANGE, "at USER_TOP");
	chk(j.done, 0, "the faulter is still blocked");
	kill_faulter(th, &j, "refused FAULT_MAP");
}

/* Section 8: a store to a read-only page faults; a load works. */
static void fault_readonly(void)
{
	static struct job j;
	uint64_t v = test_va(), pa = root_frame();
	struct msg m = { 0 };
	long badge;
	*(uint64_t *)root_frame_va(pa) = 0xabcd;
	chk(sys_map(SELF, v, pa, PERM_R), 0, "map a read-only page");
	chk((long)fault_load(v), 0xabcd, "a load from it works");
	j = (struct job){ .kind = JOB_STORE, .addr = v + 8, .val = 5 };
	long th = take_fault(&j, &m, &badge, 0);
	check_fault(badge, &m, WANT(15, v + 8, fault_store, 0), "store to a read-only page");
	kill_faulter(th, &j, "read-only store");
	chk((long)((uint64_t *)root_frame_va(pa))[1], 0, "the read-only page is unchanged");
}

/* Section 9: after unmap the page faults (TLB flushed); remap shows 42. */
static void fault_unmap(void)
{
	static struct job j;
	uint64_t v = test_va(), pa = root_frame();
	volatile uint64_t *p = (volatile uint64_t *)v;
	struct msg m = { 0 };
	long badge;
	chk(sys_map(SELF, v, pa, PERM_R | PERM_W), 0, "map a RW page");
	*p = 42;
	chk((long)*p, 42, "write 42 and read it back (the TLB has the page)");
	chk(sys_unmap(SELF, v, 1), 1, "unmap returns 1");
	chk(sys_unmap(SELF, v, 1), 0, "unmap again returns 0");
	j = (struct job){ .kind = JOB_LOAD, .addr = v };
	long th = take_fault(&j, &m, &badge, 0);
	check_fault(badge, &m, WANT(13, v, fault_load, 0), "load after unmap");
	kill_faulter(th, &j, "load after unmap");
	chk(sys_map(SELF, v, pa, PERM_R | PERM_W), 0, "map the frame again");
	chk((long)*p, 42, "42 is still there");
}

/* Section 10: protect to R makes stores fault; back to RW, RESUME works. */
static void fault_protect(void)
{
	static struct job j;
	uint64_t v = test_va(), pa = root_frame();
	struct msg m = { 0 };
	long badge;
	chk(sys_map(SELF, v, pa, PERM_R | PERM_W), 0, "map a RW page");
	*(volatile uint64_t *)v = 1;
	chk(sys_protect(SELF, v, 1, PERM_R), 1, "protect to R changes 1 page");
	j = (struct job){ .kind = JOB_STORE, .addr = v, .val = 7 };
	long th = take_fault(&j, &m, &badge, 0);
	check_fault(badge, &m, WANT(15, v, fault_store, 0), "store after protect R");
	chk(sys_protect(SELF, v, 1, PERM_R | PERM_W), 1, "protect back to RW");
	m = (struct msg){ .label = FAULT_RESUME };
	chk(sys_reply(&m), 0, "reply FAULT_RESUME");
	chk(wait_until(&j.done, 1), 1, "the store ran again and the thread finished");
	chk((long)*(volatile uint64_t *)root_frame_va(pa), 7, "the store landed");
	chk(sys_protect(SELF, v, 1, PERM_W), ERR_INVAL, "protect to W alone");
	chk(sys_protect(SELF, v, 1, 0), ERR_INVAL, "protect to no perms");
	chk(sys_protect(SELF, test_va(), 1, PERM_R), 0, "protect an unmapped page: 0");
	sys_handle_close(th);
}

void test_fault_map(void)
{
	fault_map_ok();
	fault_map_refused();
	fault_readonly();
	fault_unmap();
	fault_protect();
}

static void clone_store(long va)
{
	fault_store((uint64_t)va, 0x5678);
	((struct box *)BOX_VA)->counter = 1;
}

static void clone_load(long va)
{
	fault_load((uint64_t)va);
}

/* A clone's fault comes to us: FAULT_MAP maps our frame into its task. */
static void fault_other_task(void)
{
	struct box *b;
	struct msg m = { 0 };
	long th, x = 0x20000000;
	uint64_t pa = root_frame();
	long t = clone_box(clone_store, x, 20, &b, &th);
	chk(sys_thread_fault(th, g_fs), 0, "our endpoint handles a clone's faults");
	long badge = recv_timed(g_f, &m);
	struct fault_want w = { 15, (uint64_t)x, (uint64_t)fault_store, 0, 0 };
	w.task = sys_task_info(t, NULL, NULL);
	check_fault(badge, &m, &w, "a clone's store to an unmapped page");
	m = (struct msg){ .label = FAULT_MAP, .w = { (uint64_t)x, pa, PERM_R | PERM_W } };
	chk(sys_reply(&m), 0, "FAULT_MAP into the clone's task");
	chk(wait_until(&b->counter, 1), 1, "the clone went on");
	chk((long)*(volatile uint64_t *)root_frame_va(pa), 0x5678, "its store is in our frame");
	sys_sleep(2);
	chk(sys_task_info(t, NULL, NULL), ERR_DEAD, "the clone returned and exited");
	sys_handle_close(t), sys_handle_close(th);
	t = clone_box(clone_load, 0x5000, 20, &b, &th);
	sys_thread_fault(th, g_fs);
	recv_timed(g_f, &m);
	chk((long)m.w[FAULT_W_STVAL], 0x5000, "another clone's load fault");
	chk(sys_task_kill(t), 0, "kill that clone while we hold its fault");
	m = (struct msg){ .label = FAULT_KILL };
	chk(sys_reply(&m), ERR_STATE, "... then nobody waits for our reply");
	sys_handle_close(t), sys_handle_close(th);
}

/* A pager may save a fault's reply and answer it later with reply_to. */
static void fault_deferred(void)
{
	static struct job j;
	uint64_t v = test_va(), pa = root_frame();
	struct msg m = { 0 };
	long badge;
	j = (struct job){ .kind = JOB_STORE, .addr = v, .val = 0x77 };
	long th = take_fault(&j, &m, &badge, 0);
	check_fault(badge, &m, WANT(15, v, fault_store, 0), "store fault to be deferred");
	long h = sys_reply_save();
	ok(h > 0, "reply_save on a fault gives a handle (%ld)", h);
	chk(sys_handle_dup(h, R_REPLY, 0), ERR_RIGHTS, "a reply handle cannot be copied");
	m = (struct msg){ .label = FAULT_RESUME };
	chk(sys_reply(&m), ERR_STATE, "no plain reply once it is saved");
	chk(sys_map(SELF, v, pa, PERM_R | PERM_W), 0, "map the page ourselves");
	m = (struct msg){ .label = FAULT_FAIL };
	chk(sys_reply_to(h, &m), ERR_INVAL, "reply_to FAULT_FAIL for a hardware fault");
	m = (struct msg){ .label = FAULT_RESUME };
	chk(sys_reply_to(h, &m), 0, "reply_to FAULT_RESUME (the refused one kept the handle)");
	chk(wait_until(&j.done, 1), 1, "the deferred faulter finished");
	chk(j.result, 0x77, "its store landed");
	chk(sys_handle_close(h), ERR_HANDLE, "the reply handle was consumed");
	sys_handle_close(th);
}

void test_fault_more(void)
{
	fault_other_task();
	fault_deferred();
	sys_handle_close(g_fs);
	sys_handle_close(g_f);
}
