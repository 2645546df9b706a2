/*
 * kdev.c - in-guest suite for device authority (root=kdev, with a modern
 * virtio-blk disk): bootinfo's devices, SYS_DEV_* refusals and successes,
 * a device page never mapped as a frame, handles given, sent or missing in
 * child tasks, and SYS_IDLE_INSTRET.
 */
#include "libsys.h"
#include "root.h"

#define KDEV_CHECKS 91 /* every check runs unconditionally: this is exact */

#define VIRTIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_VENDOR_QEMU 0x554d4551u
#define VIRTIO_ID_BLOCK 2
#define SLOT0 0x10001000UL /* QEMU virt: slot k at SLOT0 + 0x1000 * k, irq k + 1 */
#define NSLOTS 8
#define TEST_VA 0x0900000000UL /* our own test pages: TEST_VA + n pages */
#define CHILD_BOX_VA (CLONE_STACK_TOP - 0x10000)  /* in the stack's tables */
#define CHILD_DEV_VA (CLONE_STACK_TOP - 0x20000)
#define CHILD_QUOTA 8
#define CHILD_PRIO 20
#define WAIT_MS 2000

/* A page shared with one child: its results, and when it may exit. */
struct kbox {
	volatile long r[6];
	volatile long done;
	volatile long go;
};

static long chk(long got, long want, const char *what)
{
	tap_check(got == want, "%s (got %ld / %#lx, want %ld / %#lx)", what, got,
		  (unsigned long)got, want, (unsigned long)want);
	return got;
}

static uint32_t rd32(uint64_t va) { return *(volatile uint32_t *)va; }
static uint64_t va_at(unsigned n) { return TEST_VA + n * PAGE_SIZE; }

static long pt_used(void)
{
	uint64_t used;
	sys_task_info(H_SELF_TASK, &used, NULL);
	return (long)used;
}

/* Sleep in 1 ms steps until *v is set; 0 if it never was. */
static long wait_set(volatile long *v)
{
	for (unsigned i = 0; i < WAIT_MS && !*v; i++)
		sys_sleep(1);
	return *v;
}

static struct kbox *child_box(void) { return (struct kbox *)CHILD_BOX_VA; }

/* Read magic, version and device id through a fresh mapping of h. */
static void child_map_read(struct kbox *b, long h)
{
	b->r[0] = sys_dev_map(h, CHILD_DEV_VA);
	if (b->r[0] == 0) {
		b->r[1] = rd32(CHILD_DEV_VA);
		b->r[2] = rd32(CHILD_DEV_VA + 4);
	}
}

/* No handle was given: every number we try names nothing. */
static void child_nohandle(long parent_dev)
{
	struct kbox *b = child_box();
	b->r[0] = sys_dev_map(parent_dev, CHILD_DEV_VA);
	b->r[1] = sys_dev_create(H_PLATFORM, 0);
	b->r[2] = sys_dev_irq(parent_dev, 0x101, 1);
	b->r[3] = sys_dev_ack(parent_dev);
	b->r[4] = sys_dev_map(0x101, CHILD_DEV_VA);
	b->done = 1;
}

/* h was given (HANDLE_GIVE): map, read, ack, then hold until told. */
static void child_given(long h)
{
	struct kbox *b = child_box();
	child_map_read(b, h);
	b->r[3] = sys_dev_ack(h);
	b->done = 1;
	wait_set(&b->go);
}

/* ep was given; the device handle arrives in the reply. */
static void child_ipc(long ep)
{
	struct kbox *b = child_box();
	struct msg m = {.label = 1};
	b->r[4] = sys_call(ep, &m);
	b->r[5] = (long)m.handle;
	child_map_read(b, (long)m.handle);
	b->done = 1;
}

/* Start fn in a child (given give with rights, or nothing), box mapped,
 * death signalled on notif bit 1. */
static long start_child(void (*fn)(long), long arg, long give, uint32_t rights, long notif,
			struct kbox **box)
{
	uint64_t pa = root_frame();
	long task = root_clone_give(fn, arg, give, rights, CHILD_PRIO, CHILD_QUOTA, NULL);
	*box = root_frame_va(pa);
	if (task < 0 || sys_map(task, CHILD_BOX_VA, pa, PERM_R | PERM_W) < 0 ||
	    sys_task_watch(task, notif, 1) < 0)
		return ERR_INVAL;
	return task;
}

/* Wait for the child's death (TASK_WATCH bit 1); 0 if it never came. */
static long wait_death(long notif)
{
	for (unsigned i = 0; i < WAIT_MS; i++) {
		if (sys_notif_poll(notif) & 1)
			return 1;
		sys_sleep(1);
	}
	return 0;
}

static const struct bootinfo *bi;
static long blk = -1; /* index of the block device in bootinfo */

/* bootinfo lists QEMU virt's eight slots, one of them our disk. */
static void test_bootinfo(void)
{
	long nblk = 0, nzero = 0, shape = 0;
	chk((long)bi->ndevs, NSLOTS, "bootinfo: eight virtio-mmio slots");
	for (uint64_t i = 0; i < bi->ndevs && i < BOOTINFO_DEVS; i++) {
		const struct bootinfo_dev *d = &bi->devs[i];
		uint64_t k = (d->pa - SLOT0) / 0x1000;
		if (d->pa >= SLOT0 && d->pa % 0x1000 == 0 && k < NSLOTS && d->irq == k + 1 &&
		    d->size == 0x1000)
			shape++;
		if (d->virtio_id == VIRTIO_ID_BLOCK) {
			nblk++;
			blk = (long)i;
		}
		nzero += d->virtio_id == 0;
	}
	chk(shape, NSLOTS, "every slot: page at 0x10001000 + 0x1000 k, irq k + 1, size 0x1000");
	chk(nblk, 1, "one block device (virtio_id 2)");
	chk(nzero, NSLOTS - 1, "the other slots are empty (virtio_id 0)");
	if (blk < 0)
		blk = 0; /* the checks below then fail, not crash */
}

static void test_create(void)
{
	chk(sys_dev_create(H_PLATFORM, bi->ndevs), ERR_INVAL, "dev_create: index ndevs");
	chk(sys_dev_create(H_PLATFORM, (uint64_t)-1), ERR_INVAL, "dev_create: index -1");
	chk(sys_dev_create(H_SELF_TASK, 0), ERR_TYPE, "dev_create: task handle, not platform");
	chk(sys_dev_create(0x1ff, 0), ERR_HANDLE, "dev_create: no such handle");
	long n = sys_notif_create();
	chk(sys_dev_create(n, 0), ERR_TYPE, "dev_create: notification handle");
	sys_handle_close(n);
}

/* Refusals of SYS_DEV_MAP and SYS_MAP for a device handle dev. */
static void test_map_refused(long dev)
{
	uint64_t pa = bi->devs[blk].pa;
	chk(sys_dev_map(dev, va_at(0) + 8), ERR_ALIGN, "dev_map: unaligned va");
	chk(sys_dev_map(dev, USER_TOP), ERR_RANGE, "dev_map: va USER_TOP");
	chk(sys_dev_map(dev, 0xffffffc000000000UL), ERR_RANGE, "dev_map: kernel va");
	chk(sys_dev_map(dev, FRAME_WINDOW + bi->grant_base), ERR_SUPER,
	    "dev_map: va inside the frame window's superpage");
	chk(sys_dev_map(H_SELF_TASK, va_at(0)), ERR_TYPE, "dev_map: task handle");
	chk(sys_dev_map(0x1ff, va_at(0)), ERR_HANDLE, "dev_map: no such handle");
	long ctl = sys_handle_dup(dev, R_CONTROL, 0);
	chk(sys_dev_map(ctl, va_at(0)), ERR_RIGHTS, "dev_map: handle without R_MAP");
	sys_handle_close(ctl);
	chk(sys_map(H_SELF_TASK, va_at(1), root_frame(), PERM_R), 0, "a frame at va 1");
	chk(sys_dev_map(dev, va_at(1)), ERR_STATE, "dev_map: va already mapped");
	chk(sys_map(H_SELF_TASK, va_at(0), pa, PERM_R | PERM_W), ERR_GRANT,
	    "SYS_MAP of the device page: not a frame of our grant");
	chk(sys_map(H_SELF_TASK, va_at(0), pa, PERM_R), ERR_GRANT, "... nor read-only");
}

/* Map, read the registers, refuse a second mapping, lower rights, unmap. */
static void test_map(long dev)
{
	chk(sys_dev_map(dev, va_at(2)), 0, "dev_map: the disk's page at va 2");
	chk(rd32(va_at(2)), VIRTIO_MAGIC, "MagicValue through the mapping");
	chk(rd32(va_at(2) + 4), 2, "Version 2 (modern interface)");
	chk(rd32(va_at(2) + 8), VIRTIO_ID_BLOCK, "DeviceID 2 (block)");
	chk(rd32(va_at(2) + 12), VIRTIO_VENDOR_QEMU, "VendorID QEMU");
	chk(sys_dev_map(dev, va_at(2)), ERR_STATE, "dev_map twice at the same va");
	chk(sys_dev_map(dev, va_at(3)), ERR_STATE, "dev_map: device already mapped elsewhere");
	long dev2 = sys_dev_create(H_PLATFORM, (uint64_t)blk);
	chk(dev2 > 0 && dev2 != dev, 1, "a second handle to the same device");
	chk(sys_dev_map(dev2, va_at(3)), ERR_STATE, "... which cannot map it a second time");
	sys_handle_close(dev2);
	chk(sys_protect(H_SELF_TASK, va_at(2), 1, PERM_R | PERM_W | PERM_X), ERR_GRANT,
	    "protect cannot make the device page executable");
	chk(sys_protect(H_SELF_TASK, va_at(2), 1, PERM_R), 1, "protect may lower it to R");
	chk(rd32(va_at(2)), VIRTIO_MAGIC, "still readable");
	chk(sys_dev_map(dev, va_at(3)), ERR_STATE, "a read-only mapping still counts");
	chk(sys_unmap(H_SELF_TASK, va_at(2), 1), 1, "unmap the device page");
	chk(sys_dev_map(dev, va_at(3)), 0, "after unmap it maps again, at va 3");
	chk(rd32(va_at(3) + 4), 2, "Version through the new mapping");
	chk(sys_unmap(H_SELF_TASK, va_at(3), 1), 1, "unmap it again");
}

static void test_irq(long dev)
{
	long n = sys_notif_create(), n2 = sys_notif_create();
	unsigned irq = bi->devs[blk].irq;
	long other = sys_dev_create(H_PLATFORM, (uint64_t)(blk ? 0 : 1));
	chk(sys_dev_ack(dev), ERR_STATE, "dev_ack before dev_irq");
	chk(sys_dev_irq(dev, n, 0), ERR_INVAL, "dev_irq: no bits");
	chk(sys_dev_irq(dev, H_SELF_TASK, 1), ERR_TYPE, "dev_irq: task handle as notification");
	chk(sys_dev_irq(H_SELF_TASK, n, 1), ERR_TYPE, "dev_irq: task handle as device");
	long map_only = sys_handle_dup(dev, R_MAP, 0);
	chk(sys_dev_irq(map_only, n, 1), ERR_RIGHTS, "dev_irq: handle without R_CONTROL");
	chk(sys_dev_ack(map_only), ERR_RIGHTS, "dev_ack: handle without R_CONTROL");
	sys_handle_close(map_only);
	long sig_only = sys_handle_dup(n, R_RECV, 0);
	chk(sys_dev_irq(dev, sig_only, 1), ERR_RIGHTS, "dev_irq: notification without R_SEND");
	sys_handle_close(sig_only);
	chk(sys_dev_irq(dev, n, 1), 0, "dev_irq: bound");
	chk(sys_dev_irq(dev, n2, 4), 0, "dev_irq: rebinding replaces it");
	chk(sys_irq_bind(H_PLATFORM, irq, n, 1), ERR_STATE,
	    "irq_bind (platform) of the device's irq: taken");
	chk(sys_dev_ack(other), ERR_STATE, "dev_ack of another device: not its binding");
	chk(sys_dev_ack(dev), 0, "dev_ack");
	chk(sys_notif_poll(n) | sys_notif_poll(n2), 0, "no interrupt arrived unasked");
	sys_handle_close(other);
	sys_handle_close(n);
	sys_handle_close(n2);
}

static volatile long fm_val = -1, fm_done;

static void fault_thread(long va)
{
	fm_val = rd32((uint64_t)va);
	fm_done = 1;
}

/* A fault handler cannot hand out the device page as a frame either. */
static void test_fault_map(void)
{
	long ep = sys_ep_create(), r = ERR_AGAIN;
	struct msg m = {0};
	void *stack = root_frame_va(root_frame());
	long th = root_thread(fault_thread, (long)va_at(6), stack, PAGE_SIZE, CHILD_PRIO, ep, 0);
	for (unsigned i = 0; i < WAIT_MS && r == ERR_AGAIN; i++)
		if ((r = sys_poll(ep, &m)) == ERR_AGAIN)
			sys_sleep(1);
	chk(th > 0 && r >= 0 && m.label == LABEL_FAULT && m.w[FAULT_W_STVAL] == va_at(6), 1,
	    "a thread of ours faulted at va 6");
	m = (struct msg){.label = FAULT_MAP, .w = {va_at(6), bi->devs[blk].pa, PERM_R}};
	chk(sys_reply(&m), ERR_GRANT, "FAULT_MAP of the device page: not a frame of our grant");
	m = (struct msg){.label = FAULT_MAP, .w = {va_at(6), root_frame(), PERM_R}};
	chk(sys_reply(&m), 0, "FAULT_MAP of a grant frame");
	chk(wait_set(&fm_done) && fm_val == 0, 1, "the thread read its zeroed frame");
	sys_handle_close(ep);
}

static void test_idle(void)
{
	uint64_t a = sys_idle_instret(), b = sys_idle_instret();
	chk((long)(b - a), 0, "idle_instret: no idle time between two calls");
	sys_sleep(5);
	uint64_t c = sys_idle_instret();
	/* -icount shift=0: one instruction per ns, and we slept 5 ms with
	 * nothing else to run: nearly all of it in WFI. */
	tap_check(c - b >= 3000000 && c - b <= 6000000, "idle_instret: a 5 ms sleep idles "
		  "3-6 M instructions (got %lu)", (unsigned long)(c - b));
}

/* Children: without the handle, with too few rights, with the wrong
 * object, with it given, with it transferred in a reply. */
static void test_children(long dev)
{
	long watch = sys_notif_create();
	struct kbox *b;
	long c = start_child(child_nohandle, dev, 0, 0, watch, &b);
	chk(c > 0 && wait_set(&b->done), 1, "child without the handle ran");
	chk(b->r[0], ERR_HANDLE, "child: dev_map with our handle number");
	chk(b->r[1], ERR_HANDLE, "child: dev_create without the platform");
	chk(b->r[2], ERR_HANDLE, "child: dev_irq with our handle number");
	chk(b->r[3], ERR_HANDLE, "child: dev_ack with our handle number");
	chk(b->r[4], ERR_HANDLE, "child: dev_map with its first handle number");
	chk(wait_death(watch), 1, "child exited");

	c = start_child(child_given, 0, dev, R_CONTROL | R_XFER, watch, &b);
	chk(c > 0 && wait_set(&b->done), 1, "child given the handle without R_MAP ran");
	chk(b->r[0], ERR_RIGHTS, "child: dev_map without R_MAP");
	chk(b->r[3], 0, "child: dev_ack with R_CONTROL");
	b->go = 1;
	chk(wait_death(watch), 1, "child exited");

	long n = sys_notif_create();
	c = start_child(child_given, 0, n, 0, watch, &b);
	chk(c > 0 && wait_set(&b->done), 1, "child given a notification ran");
	chk(b->r[0], ERR_TYPE, "child: dev_map with a notification");
	b->go = 1;
	chk(wait_death(watch), 1, "child exited");
	sys_handle_close(n);

	c = start_child(child_given, 0, dev, 0, watch, &b);
	chk(c > 0 && wait_set(&b->done), 1, "child given the device handle ran");
	chk(b->r[0], 0, "child: dev_map in its own task");
	chk(b->r[1], VIRTIO_MAGIC, "child: MagicValue");
	chk(b->r[2], 2, "child: Version 2");
	chk(sys_dev_map(dev, va_at(4)), ERR_STATE, "we cannot map it while the child has it");
	b->go = 1;
	chk(wait_death(watch), 1, "child exited with the device mapped");
	chk(sys_dev_map(dev, va_at(4)), 0, "its death released the device: we map it");
	chk(rd32(va_at(4)), VIRTIO_MAGIC, "MagicValue after the child's death");
	chk(sys_unmap(H_SELF_TASK, va_at(4), 1), 1, "unmap");

	long ep = sys_ep_create();
	struct msg m = {0};
	c = start_child(child_ipc, 0, ep, 0, watch, &b);
	long r = ERR_AGAIN;
	for (unsigned i = 0; i < WAIT_MS && r == ERR_AGAIN; i++)
		if ((r = sys_poll(ep, &m)) == ERR_AGAIN)
			sys_sleep(1);
	chk(c > 0 && r >= 0, 1, "child called us");
	m = (struct msg){.label = 0, .handle = (uint64_t)dev};
	chk(sys_reply(&m), 0, "reply carrying the device handle");
	chk(wait_set(&b->done), 1, "child got the reply");
	chk(b->r[4], 0, "child: call returned 0");
	chk(b->r[5], 0x102, "child: the handle is its second (ep is the first)");
	chk(b->r[0], 0, "child: dev_map with the transferred handle");
	chk(b->r[1], VIRTIO_MAGIC, "child: MagicValue");
	chk(wait_death(watch), 1, "child exited");
	sys_handle_close(ep);
	sys_handle_close(watch);
}

int main(void)
{
	root_init();
	bi = libsys_bootinfo;
	tap_plan(KDEV_CHECKS);
	test_bootinfo();
	test_create();
	long dev = sys_dev_create(H_PLATFORM, (uint64_t)blk);
	chk(dev > 0, 1, "dev_create of the disk with the platform handle");
	test_map_refused(dev);
	test_map(dev);
	test_irq(dev);
	test_fault_map();
	test_idle();
	test_children(dev);
	long used = pt_used();
	chk(sys_dev_map(dev, va_at(5)), 0, "last map");
	chk(rd32(va_at(5)), VIRTIO_MAGIC, "MagicValue");
	chk(pt_used(), used, "no page table needed (va 5 shares va 1's)");
	return tap_done();
}
