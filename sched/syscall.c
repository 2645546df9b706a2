/*
 * syscall.c - the syscall layer (sched/), entered from arch/trap.c with the
 * caller's registers in its trapframe (convention in libsys/abi.h). Each
 * sys_* decodes and checks every argument before it changes anything,
 * then performs the operation with calls that cannot fail. It returns the
 * thread to run next.
 */
#include "fault.h"
#include "mm.h"
#include "sched.h"

#include "syscall.h"

/* The user buffer at va is not accessible: let the pager resolve it as a
 * fault and run the syscall again (fault/fault.c). */
struct thread *sys_ufault(struct thread *t, uint64_t va, bool write)
{
	uint64_t pc = t->tf.regs[0] - 4;
	return fault_user(t, write ? EXC_STORE_PAGE : EXC_LOAD_PAGE, va, pc, FAULT_FLAG_KACCESS);
}

static struct thread *sys_null(struct thread *t) { return ret(t, 0); }

static struct thread *sys_debug_write(struct thread *t)
{
	uint64_t va = A(0), len = A(1), bad;
	char buf[128];
	if (len > 4096)
		return ret(t, refuse(ERR_INVAL, "debug_write: len %lu > 4096\n", len));
	if (!uaccess_check(t->task, va, len, false, &bad))
		return sys_ufault(t, bad, false);
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof buf ? len - done : sizeof buf;
		uaccess_copy_in(t->task, buf, va + done, n);
		console_write(buf, n);
		done += n;
	}
	return ret(t, (long)len);
}

/* Label below LABEL_KERNEL and a transferable handle (or none) in t1. */
static inline __attribute__((always_inline)) long check_msg(struct thread *t)
{
	struct handle *h;
	if (A(1) >= LABEL_KERNEL)
		return refuse(ERR_INVAL, "ipc: label %lx is kernel-reserved\n", A(1));
	return T1 ? handle_lookup(t->task, T1, 0, R_XFER, &h) : 0;
}

static struct thread *sys_call(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_ENDPOINT, R_SEND);
	long e = check_msg(t);
	if (e < 0)
		return ret(t, e);
	return ipc_call(t, OBJ(h, struct endpoint), h->badge);
}

static struct thread *sys_send(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_ENDPOINT, R_SEND);
	long e = check_msg(t);
	if (e < 0)
		return ret(t, e);
	return ipc_send(t, OBJ(h, struct endpoint), h->badge);
}

static struct thread *sys_recv(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_ENDPOINT, R_RECV);
	return ipc_recv(t, OBJ(h, struct endpoint), true);
}

static struct thread *sys_poll(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_ENDPOINT, R_RECV);
	return ipc_recv(t, OBJ(h, struct endpoint), false);
}

static struct thread *sys_reply(struct thread *t)
{
	long e = check_msg(t);
	if (e < 0)
		return ret(t, e);
	return ipc_reply(t, false, NULL);
}

static struct thread *sys_reply_recv(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_ENDPOINT, R_RECV);
	long e = check_msg(t);
	if (e < 0)
		return ret(t, e);
	return ipc_reply(t, true, OBJ(h, struct endpoint));
}

static struct thread *sys_reply_save(struct thread *t) { return ret(t, ipc_reply_save(t)); }

static struct thread *sys_reply_to(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_THREAD, R_REPLY);
	struct thread *c = thread_of_obj(h->obj);
	long e = check_msg(t);
	if (!e)
		e = ipc_check_reply_to(t, c, h->badge); /* the badge names the call */
	if (e < 0)
		return ret(t, e);
	A(0) = 0;
	handle_close(t->task, h - t->task->handles);
	ipc_reply_to(t, c);
	return sched_resume(t);
}

/* New rights must be a subset (0 = the same rights); a badge may be set
 * once, below 2^63. */
static long check_derive(struct handle *h, uint64_t rights, uint64_t badge)
{
	if (rights & ~(uint64_t)h->rights)
		return refuse(ERR_RIGHTS, "derive: rights %lx exceed %x\n", rights, h->rights);
	if (h->rights & R_REPLY) /* answers one call: not to be copied */
		return refuse(ERR_RIGHTS, "derive: reply handles cannot be copied\n");
	if (badge && (h->badge || badge >= LABEL_KERNEL))
		return refuse(ERR_INVAL, "derive: handle already badged or badge too big\n");
	return 0;
}

static struct thread *sys_handle_dup(struct thread *t)
{
	LOOKUP(h, 0, 0, 0);
	long e = check_derive(h, A(1), A(2));
	if (e < 0)
		return ret(t, e);
	uint32_t rights = A(1) ? (uint32_t)A(1) : h->rights;
	return ret(t, handle_install(t->task, h->obj, rights, A(2) ? A(2) : h->badge));
}

static struct thread *sys_handle_close(struct thread *t)
{
	LOOKUP(h, 0, 0, 0);
	handle_close(t->task, h - t->task->handles);
	return ret(t, 0);
}

static struct thread *sys_handle_give(struct thread *t)
{
	LOOKUP(th, 0, KOBJ_TASK, R_CONTROL);
	LOOKUP(h, 1, 0, R_XFER);
	struct task *dst = OBJ(th, struct task);
	long e = check_derive(h, A(2), A(3));
	if (e < 0)
		return ret(t, e);
	if (dst->obj.dead)
		return ret(t, refuse(ERR_DEAD, "give: task %u is dead\n", dst->id));
	uint32_t rights = A(2) ? (uint32_t)A(2) : h->rights;
	return ret(t, handle_install(dst, h->obj, rights, A(3) ? A(3) : h->badge));
}

/* Room in the caller's quota of kind and in its handle table. */
static long check_create(struct thread *t, unsigned kind)
{
	long e = quota_check(t->task, kind, 1);
	return e < 0 ? e : handle_free_slot(t->task);
}

static struct thread *sys_ep_create(struct thread *t)
{
	long e = check_create(t, KQ_EP);
	struct endpoint *ep = e < 0 ? NULL : endpoint_alloc();
	if (!ep)
		return ret(t, e < 0 ? e : refuse(ERR_NOMEM, "ep_create: table full\n"));
	quota_charge(t->task, &ep->obj, KQ_EP);
	return ret(t, handle_install(t->task, &ep->obj, R_SEND | R_RECV | R_XFER, 0));
}

static struct thread *sys_notif_create(struct thread *t)
{
	long e = check_create(t, KQ_NOTIF);
	struct notif *n = e < 0 ? NULL : notif_alloc();
	if (!n)
		return ret(t, e < 0 ? e : refuse(ERR_NOMEM, "notif_create: table full\n"));
	quota_charge(t->task, &n->obj, KQ_NOTIF);
	return ret(t, handle_install(t->task, &n->obj, R_SEND | R_RECV | R_XFER, 0));
}

static struct thread *sys_notif_signal(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_NOTIF, R_SEND);
	if (!A(1))
		return ret(t, refuse(ERR_INVAL, "notif_signal: no bits\n"));
	notif_signal(OBJ(h, struct notif), A(1));
	return ret(t, 0);
}

static struct thread *sys_notif_wait(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_NOTIF, R_RECV);
	struct notif *n = OBJ(h, struct notif);
	if (n->bits) {
		uint64_t bits = n->bits;
		n->bits = 0;
		return ret(t, (long)bits);
	}
	tq_push(&n->q, t);
	t->queue = n;
	t->state = TS_NOTIF;
	return sched_next();
}

static struct thread *sys_notif_poll(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_NOTIF, R_RECV);
	struct notif *n = OBJ(h, struct notif);
	uint64_t bits = n->bits;
	n->bits = 0;
	return ret(t, (long)bits);
}

static struct thread *sys_notif_timer(struct thread *t)
{
	LOOKUP(h, 0, KOBJ_NOTIF, R_RECV);
	if (A(1) == 0 || A(1) > (1ULL << 40) || !A(2))
		return ret(t, refuse(ERR_INVAL, "notif_timer: %lu ms, bits %lx\n", A(1), A(2)));
	notif_timer_arm(OBJ(h, struct notif), sched_ticks() + A(1), A(2));
	return ret(t, 0);
}


static const sys_fn sys_table[SYS_COUNT] = {
	[SYS_NULL] = sys_null,
	[SYS_DEBUG_WRITE] = sys_debug_write,
	[SYS_CALL] = sys_call,
	[SYS_SEND] = sys_send,
	[SYS_RECV] = sys_recv,
	[SYS_POLL] = sys_poll,
	[SYS_REPLY] = sys_reply,
	[SYS_REPLY_RECV] = sys_reply_recv,
	[SYS_HANDLE_DUP] = sys_handle_dup,
	[SYS_HANDLE_CLOSE] = sys_handle_close,
	[SYS_HANDLE_GIVE] = sys_handle_give,
	[SYS_EP_CREATE] = sys_ep_create,
	[SYS_NOTIF_CREATE] = sys_notif_create,
	[SYS_NOTIF_SIGNAL] = sys_notif_signal,
	[SYS_NOTIF_WAIT] = sys_notif_wait,
	[SYS_NOTIF_POLL] = sys_notif_poll,
	[SYS_TASK_CREATE] = sys_task_create,
	[SYS_THREAD_CREATE] = sys_thread_create,
	[SYS_THREAD_FAULT] = sys_thread_fault,
	[SYS_THREAD_START] = sys_thread_start,
	[SYS_THREAD_SUSPEND] = sys_thread_suspend,
	[SYS_THREAD_READ] = sys_thread_read,
	[SYS_THREAD_WRITE] = sys_thread_write,
	[SYS_MAP] = sys_map,
	[SYS_UNMAP] = sys_unmap,
	[SYS_PROTECT] = sys_protect,
	[SYS_AD_CLEAR] = sys_ad_clear,
	[SYS_TASK_KILL] = sys_task_kill,
	[SYS_EXIT] = sys_exit,
	[SYS_YIELD] = sys_yield,
	[SYS_SLEEP] = sys_sleep,
	[SYS_TIME] = sys_time,
	[SYS_THREAD_PRIO] = sys_thread_prio,
	[SYS_POWEROFF] = sys_poweroff,
	[SYS_IRQ_BIND] = sys_irq_bind,
	[SYS_IRQ_ACK] = sys_irq_ack,
	[SYS_TASK_INFO] = sys_task_info,
	[SYS_NOTIF_TIMER] = sys_notif_timer,
	[SYS_REPLY_SAVE] = sys_reply_save,
	[SYS_REPLY_TO] = sys_reply_to,
	[SYS_TASK_QUOTA] = sys_task_quota,
	[SYS_TASK_WATCH] = sys_task_watch,
	[SYS_DEV_CREATE] = sys_dev_create,
	[SYS_DEV_MAP] = sys_dev_map,
	[SYS_DEV_IRQ] = sys_dev_irq,
	[SYS_DEV_ACK] = sys_dev_ack,
	[SYS_IDLE_INSTRET] = sys_idle_instret,
	[SYS_DIRTY_CLEAR] = sys_dirty_clear,
	[SYS_REF_CLEAR] = sys_ref_clear,
};

struct thread *syscall_dispatch(struct thread *t)
{
	uint64_t n = t->tf.regs[5]; /* t0 */
	if (n >= SYS_COUNT)
		return ret(t, refuse(ERR_NOSYS, "syscall %lu unknown\n", n));
	return sys_table[n](t);
}
