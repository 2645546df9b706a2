/*
 * ktest_mm.c - memory sections of the kernel test suite: accessed/dirty
 * read-and-clear, refused maps, hostile arguments to many syscalls (each
 * with its exact error, the kernel going on), and page-table quotas.
 */
#include "ktest.h"

#define SELF H_SELF_TASK
#define KERNEL_VA 0xffffffc080200000UL

static long ad_of(uint64_t va)
{
	uint8_t out = 0xee;
	long e = sys_ad_clear(SELF, va, 1, &out);
	return e < 0 ? e : out;
}

/* Section 11: A and D appear with a load and a store, and clear. */
static void mm_ad(void)
{
	uint64_t v = test_va();
	uint8_t out[3] = { 0xee, 0xee, 0xee };
	chk(sys_map(SELF, v, root_frame(), PERM_R | PERM_W), 0, "map a fresh RW page");
	chk(sys_ad_clear(SELF, v, 1, out), 0, "ad_clear returns 0");
	chk(out[0], AD_MAPPED, "fresh page: mapped only");
	(void)*(volatile uint64_t *)v;
	chk(ad_of(v), AD_MAPPED | AD_ACCESSED, "after a load: accessed");
	*(volatile uint64_t *)v = 1;
	chk(ad_of(v), AD_MAPPED | AD_ACCESSED | AD_DIRTY, "after a store: accessed, dirty");
	chk(ad_of(v), AD_MAPPED, "after clearing: mapped only");
	chk(ad_of(test_va()), 0, "an unmapped page: 0");
	(void)*(volatile uint64_t *)v;
	chk(sys_ad_clear(SELF, v, 3, out), 0, "ad_clear over 3 pages");
	chk(out[0] | out[1] << 8 | out[2] << 16, AD_MAPPED | AD_ACCESSED,
	    "3 pages: accessed, unmapped, unmapped");
}

/* Section 11b: SYS_DIRTY_CLEAR reports stores only, as bits, and leaves A
 * set for AD_CLEAR; SYS_REF_CLEAR the same for A (15 checks). */
static void mm_dirty(void)
{
	uint64_t v = test_va(), bits[2] = { ~0ULL, ~0ULL };
	chk(sys_map(SELF, v, root_frame(), PERM_R | PERM_W), 0, "map a fresh RW page for dirty_clear");
	chk(sys_map(SELF, v + 2 * PAGE_SIZE, root_frame(), PERM_R | PERM_W), 0, "and one two pages on");
	(void)ad_of(v), (void)ad_of(v + 2 * PAGE_SIZE); /* A and D clear */
	chk(sys_dirty_clear(SELF, v, 3, bits), 0, "nothing stored: 0 dirty");
	chk((long)bits[0], 0, "and no bit set (the word was zeroed)");
	(void)*(volatile uint64_t *)v;
	*(volatile uint64_t *)(v + 2 * PAGE_SIZE) = 7;
	chk(sys_dirty_clear(SELF, v, 3, bits), 1, "a store to the third page: 1 dirty");
	chk((long)bits[0], 4, "bit 2 set, no other");
	chk(sys_dirty_clear(SELF, v, 3, bits), 0, "cleared: 0 the second time");
	chk(ad_of(v), AD_MAPPED | AD_ACCESSED, "A of the loaded page is still set");
	*(volatile uint64_t *)(v + 2 * PAGE_SIZE) = 8;
	chk(sys_dirty_clear(SELF, v, 3, bits), 1, "a new store sets D again (the TLB was flushed)");
	chk(sys_dirty_clear(SELF, v, 5000, bits), ERR_INVAL, "dirty_clear of 5000 pages");
	/* SYS_REF_CLEAR: the same for A, D left alone. */
	(void)ad_of(v), (void)ad_of(v + 2 * PAGE_SIZE);
	(void)*(volatile uint64_t *)(v + 2 * PAGE_SIZE);
	chk(sys_ref_clear(SELF, v, 3, bits), 1, "ref_clear: a load from the third page, 1 referenced");
	chk((long)bits[0], 4, "ref_clear: bit 2 set, no other");
	chk(sys_ref_clear(SELF, v, 3, bits), 0, "ref_clear: cleared, 0 the second time");
	*(volatile uint64_t *)v = 9;
	chk(sys_ref_clear(SELF, v, 3, bits), 1, "ref_clear: a store sets A again (TLB flushed)");
	chk(ad_of(v), AD_MAPPED | AD_DIRTY, "ref_clear left D of the stored page set");
}

/* Section 12: each bad argument of map has its own error. */
static void mm_map_refused(void)
{
	const struct bootinfo *bi = libsys_bootinfo;
	uint64_t v = test_va(), pa = root_frame();
	chk(sys_map(SELF, v, bi->grant_end, PERM_R), ERR_GRANT, "map the frame at grant_end");
	chk(sys_map(SELF, v, bi->grant_base - PAGE_SIZE, PERM_R), ERR_GRANT,
	    "map the frame below the grant");
	chk(sys_map(SELF, v, 0x80200000, PERM_R), ERR_GRANT, "map the kernel's frame");
	chk(sys_map(SELF, USER_TOP, pa, PERM_R), ERR_RANGE, "map at USER_TOP");
	chk(sys_map(SELF, KERNEL_VA, pa, PERM_R), ERR_RANGE, "map at a kernel va");
	chk(sys_map(SELF, v + 8, pa, PERM_R), ERR_ALIGN, "map at an unaligned va");
	chk(sys_map(SELF, v, pa + 8, PERM_R), ERR_ALIGN, "map an unaligned frame");
	chk(sys_map(SELF, v, pa, 0), ERR_INVAL, "map with perms 0");
	chk(sys_map(SELF, v, pa, PERM_W), ERR_INVAL, "map with perms W alone");
	chk(sys_map(SELF, v, pa, 8), ERR_INVAL, "map with perms 8");
	chk(sys_map(SELF, FRAME_WINDOW + bi->grant_base, pa, PERM_R), ERR_SUPER,
	    "map inside the frame window's superpages");
	chk(ad_of(v), 0, "none of them mapped anything");
}

/* Mapping over a mapped page replaces it (TLB included); ranges count
 * only the mapped pages. */
static void mm_replace(void)
{
	uint64_t v = test_va(), pa = root_frame(), pb = root_frame();
	test_va(), test_va(); /* v + 1 and v + 2 pages: ours too */
	*(uint64_t *)root_frame_va(pa) = 1;
	*(uint64_t *)root_frame_va(pb) = 2;
	chk(sys_map(SELF, v, pa, PERM_R), 0, "map frame A");
	chk((long)fault_load(v), 1, "read A's 1 (the TLB has the page)");
	chk(sys_map(SELF, v, pb, PERM_R), 0, "map frame B over it");
	chk((long)fault_load(v), 2, "read B's 2: the old translation is gone");
	chk(sys_map(SELF, v + 2 * PAGE_SIZE, pa, PERM_R), 0, "map A two pages further");
	chk(sys_protect(SELF, v, 3, PERM_R | PERM_W), 2, "protect 3 pages, 2 of them mapped");
	chk(sys_unmap(SELF, v, 3), 2, "unmap 3 pages, 2 of them mapped");
	chk(ad_of(v) + ad_of(v + 2 * PAGE_SIZE), 0, "both are gone");
}

void test_mm(void)
{
	mm_ad();
	mm_dirty();
	mm_map_refused();
	mm_replace();
}

/* Section 13: ranges and user pointers. */
static void hostile_memory(void)
{
	const struct bootinfo *bi = libsys_bootinfo;
	uint64_t v = test_va(), window = FRAME_WINDOW + bi->grant_base;
	uint8_t ad[1];
	chk(sys_unmap(SELF, v, 1UL << 60), ERR_RANGE, "unmap 2^60 pages");
	chk(sys_unmap(SELF, USER_TOP - PAGE_SIZE, 2), ERR_RANGE, "unmap across USER_TOP");
	chk(sys_unmap(SELF, v + 1, 1), ERR_ALIGN, "unmap an unaligned va");
	chk(sys_unmap(SELF, window, 1), ERR_SUPER, "unmap inside the frame window");
	chk(sys_protect(SELF, window, 1, PERM_R), ERR_SUPER, "protect inside the frame window");
	chk(sys_protect(SELF, INITRD_VA, 1, PERM_R | PERM_W), ERR_GRANT,
	    "protect the initrd (not our grant) writable");
	chk(sys_protect(SELF, INITRD_VA, 1, PERM_R), 1, "protect it to what it is: allowed");
	chk(sys_debug_write((void *)KERNEL_VA, 16), ERR_FAULT, "debug_write from a kernel va");
	chk(sys_debug_write(bi, 1UL << 20), ERR_INVAL, "debug_write of 1 MiB");
	chk(sys_thread_read(H_SELF_THREAD, (struct user_regs *)KERNEL_VA), ERR_FAULT,
	    "thread_read into a kernel va");
	chk(sys_thread_read(H_SELF_THREAD, (struct user_regs *)BOOTINFO_VA), ERR_FAULT,
	    "thread_read into the read-only bootinfo page");
	chk(sys_ad_clear(SELF, v, 1, NULL), ERR_FAULT, "ad_clear into address 0");
	chk(sys_ad_clear(SELF, v, 5000, ad), ERR_INVAL, "ad_clear of 5000 pages");
	chk((long)bi->magic, (long)BOOTINFO_MAGIC, "bootinfo intact");
}

/* Section 13: counts, priorities, codes and numbers out of range. */
void test_hostile(void)
{
	long n = sys_notif_create();
	hostile_memory();
	chk(sys_task_create(1UL << 30), ERR_QUOTA, "task_create with quota 2^30");
	chk(sys_task_create(0), ERR_QUOTA, "task_create with quota 0");
	chk(sys_thread_create(SELF, (uint64_t)root_thread_start, 0, 0, 40), ERR_INVAL,
	    "thread_create at prio 40");
	chk(sys_sleep(1UL << 50), ERR_INVAL, "sleep 2^50 ms");
	chk(sys_poweroff(H_PLATFORM, 300), ERR_INVAL, "poweroff with code 300");
	chk(sys_irq_bind(H_PLATFORM, 0, n, 1), ERR_INVAL, "irq_bind irq 0");
	chk(sys_irq_bind(H_PLATFORM, 1000, n, 1), ERR_INVAL, "irq_bind irq 1000");
	chk(sys_irq_ack(H_PLATFORM, 5), ERR_INVAL, "irq_ack an unbound irq");
	chk(sys_notif_timer(n, 0, 1), ERR_INVAL, "notif_timer of 0 ms");
	chk(sys_notif_timer(n, 5, 0), ERR_INVAL, "notif_timer with bits 0");
	chk(sys_notif_signal(n, 0), ERR_INVAL, "notif_signal with bits 0");
	chk(sys_poweroff(H_SELF_TASK, 77), ERR_TYPE, "poweroff through a task handle");
	chk(sys_irq_bind(H_PLATFORM, 1, n, 1), 0, "irq_bind irq 1 (no device there)");
	chk(sys_irq_bind(H_PLATFORM, 1, n, 1), ERR_STATE, "irq_bind irq 1 again");
	chk(sys_irq_bind(H_PLATFORM, 2, n, 0), ERR_INVAL, "irq_bind with bits 0");
	chk(sys_null(), 0, "the kernel goes on");
	sys_handle_close(n);
}

/* time, yield and sleep(0): the small calls. */
void test_time(void)
{
	uint64_t hz = 0, before = rdtime();
	uint64_t t = (uint64_t)sys_time(&hz), after = rdtime();
	chk((long)hz, (long)libsys_bootinfo->timebase_hz, "time: a1 = the timebase");
	ok(before <= t && t <= after, "time lies between two rdtime reads");
	chk(sys_yield(), 0, "yield with nobody else ready");
	chk(sys_null(), 0, "a syscall after yield returns (we are still running)");
	chk(sys_sleep(0), 0, "sleep 0");
	chk(sys_null(), 0, "a syscall after sleep 0 returns");
}

/* task_quota moves quota between us and a live child, never below its use. */
static void quota_resize(long t, uint64_t q0)
{
	uint64_t u, q, cu, cq;
	chk(sys_task_quota(t, 2), ERR_QUOTA, "task_quota below the child's use");
	chk(sys_task_quota(t, 1UL << 40), ERR_QUOTA, "task_quota beyond ours");
	chk(sys_task_quota(SELF, 5), ERR_STATE, "task_quota on ourselves");
	chk(sys_task_quota(t, 5), 0, "raise the child's quota to 5");
	sys_task_info(SELF, &u, &q);
	chk((long)q, (long)q0 - 5, "ours dropped by 5 in all");
	chk(sys_map(t, 0x40000000, root_frame(), PERM_R), 0, "now the map in a new GiB fits");
	sys_task_info(t, &cu, &cq);
	chk((long)(cu * 100 + cq), 505, "the child uses 5 of 5");
}

/* Used, quota and lent of one kind, packed: used << 40 | quota << 20 | lent. */
static uint64_t kq(long task, unsigned kind)
{
	uint64_t u = 0, q = 0, l = 0;
	sys_task_info_q(task, kind, &u, &q, &l);
	return u << 40 | q << 20 | l;
}
#define KQ(u, q, l) ((uint64_t)(u) << 40 | (uint64_t)(q) << 20 | (l))

/* The other quota kinds: handed down at creation, charged to the caller,
 * lent counted, and all of it back when the child and its objects go. */
static void test_kquota(void)
{
	uint64_t th0 = kq(SELF, KQ_THREAD), ep0 = kq(SELF, KQ_EP), tk0 = kq(SELF, KQ_TASK);
	uint64_t u;
	const uint32_t big[KQ_COUNT] = {1, 0, 1u << 20, 0, 0};
	const uint32_t q[KQ_COUNT] = {2, 1, 3, 2, 0};
	chk(sys_task_create_q(big), ERR_QUOTA, "task_create_q with 2^20 threads: beyond ours");
	chk(sys_task_info_q(SELF, KQ_COUNT, &u, NULL, NULL), ERR_INVAL, "task_info of kind 5");
	long t = sys_task_create_q(q);
	ok(t > 0, "task_create_q(2 pt, 1 task, 3 threads, 2 eps, 0 notifs)");
	chk((long)kq(t, KQ_THREAD), (long)KQ(0, 3, 0), "the child: 0 threads used of 3");
	chk((long)kq(SELF, KQ_THREAD), (long)(th0 - KQ(0, 3, 0) + 3), "ours: 3 less, 3 lent");
	chk((long)kq(SELF, KQ_TASK), (long)(tk0 + KQ(1, 0, 0) - KQ(0, 1, 0) + 1),
	    "tasks: the child costs us one and holds one more");
	chk(sys_task_quota_q(t, KQ_EP, 5), 0, "raise the child's endpoints to 5");
	chk((long)kq(SELF, KQ_EP), (long)(ep0 - KQ(0, 5, 0) + 5), "ours: 5 less, 5 lent");
	chk(sys_task_quota_q(t, KQ_COUNT, 1), ERR_INVAL, "task_quota of kind 5");
	long th = sys_thread_create(t, 0, 0, 0, 5);
	chk((long)kq(t, KQ_THREAD), (long)KQ(0, 3, 0), "a thread we make in the child is ours to pay");
	chk((long)kq(SELF, KQ_THREAD), (long)(th0 - KQ(0, 3, 0) + 3 + KQ(1, 0, 0)),
	    "we use one more thread");
	chk(sys_task_kill(t), 0, "kill the child");
	chk((long)kq(SELF, KQ_EP), (long)ep0, "its endpoint quota came back, nothing lent");
	chk((long)kq(SELF, KQ_THREAD), (long)(th0 + KQ(1, 0, 0)),
	    "threads: quota back; the dead thread, still held, still counts");
	sys_handle_close(th);
	sys_handle_close(t);
	chk((long)kq(SELF, KQ_THREAD), (long)th0, "closing its handle releases it");
	chk((long)kq(SELF, KQ_TASK), (long)tk0, "and the task's slot is ours again");
}

/* Section 17: a child's tables come out of its quota, the quota out of ours. */
void test_quota(void)
{
	uint64_t used0, q0, used, q, cu, cq, pa = root_frame();
	sys_task_info(SELF, &used0, &q0);
	long t = sys_task_create(3);
	ok(t > 0, "task_create(3)");
	sys_task_info(SELF, &used, &q);
	chk((long)q, (long)q0 - 3, "our quota dropped by 3");
	chk((long)used, (long)used0, "our own use is unchanged");
	long id = sys_task_info(t, &cu, &cq);
	ok(id > 1 && id != g_my_id, "the child has its own task id (%ld)", id);
	chk((long)cu, 1, "the child uses 1 page (its root table)");
	chk((long)cq, 3, "the child's quota is 3");
	chk(sys_map(t, 0x10000, pa, PERM_R), 0, "map at 0x10000 (needs L1 and L0 tables)");
	sys_task_info(t, &cu, &cq);
	chk((long)cu, 3, "the child uses 3 = its quota");
	chk(sys_map(t, 0x11000, pa, PERM_R), 0, "a second page in the same table");
	chk(sys_map(t, 0x40000000, pa, PERM_R), ERR_QUOTA, "map in a new GiB: ERR_QUOTA");
	sys_task_info(t, &cu, &cq);
	chk((long)cu, 3, "the refused map took nothing");
	quota_resize(t, q0);
	chk(sys_task_kill(t), 0, "kill the child");
	sys_task_info(SELF, &used, &q);
	chk((long)q, (long)q0, "our quota came back");
	chk(sys_task_info(t, &cu, &cq), ERR_DEAD, "task_info on the dead child");
	chk((long)cu, 0, "the dead child holds no tables");
	chk(sys_map(t, 0x12000, pa, PERM_R), ERR_DEAD, "map into the dead child");
	sys_handle_close(t);
	test_kquota();
}
