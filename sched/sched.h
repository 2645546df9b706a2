/*
 * sched.h - kernel objects and their operations (sched/): tasks, threads,
 * handles, IPC endpoints, notifications, the scheduler and the syscall
 * layer. Sits above arch/ and mm/; fault/ feeds faults in as IPC calls.
 * Invariants:
 *  - one hart runs the kernel with interrupts off: no locks;
 *  - a thread is on at most one queue (run queue, endpoint, notification,
 *    sleep list), named by its state;
 *  - objects live in fixed tables; refs counts handles plus internal
 *    pointers; an object whose refs reach 0 is released only at the end
 *    of the kernel entry (obj_reap), and threads killed as a consequence of
 *    a kill are killed there too: a release can never pull an object out
 *    from under the code that is using it, and nothing recurses;
 *  - syscalls check every argument first (check_*), then act (do_*), and
 *    the acting part cannot fail;
 *  - every task, thread, endpoint and notification a syscall creates is
 *    charged to the calling task's quota of its kind, and every page-table
 *    page to its own task's; a task's quotas come out of its creator's and
 *    go back to it when it dies, with whatever it still owes. The root
 *    task starts with every table and the page-table pool, so a table is
 *    never full while the quotas say there is room (quota.c).
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "arch.h"

#define MAX_TASKS 64
#define MAX_THREADS 256
#define MAX_ENDPOINTS 256
#define MAX_NOTIFS 128
#define NHANDLES 256 /* slots per task (8 bits of a handle number); 0 unused */
#define SLICE_TICKS 10 /* ticks of TICK_HZ per time slice */
#define TICK_HZ 1000

enum kobj_type {
	KOBJ_NONE,
	KOBJ_TASK,
	KOBJ_THREAD,
	KOBJ_ENDPOINT,
	KOBJ_NOTIF,
	KOBJ_PLATFORM,
	KOBJ_DEVICE
};

struct kobj {
	uint8_t type;
	bool dead;     /* task/thread killed; handles still name it */
	bool reaping;  /* on the release list */
	uint32_t refs; /* handles + internal pointers */
	struct kobj *reap_next;
	struct task *payer; /* charged for this object (quota.c) */
};

struct handle {
	struct kobj *obj; /* NULL: free slot */
	uint32_t rights;
	uint16_t gen; /* bumped on every reuse: stale numbers are refused */
	uint64_t badge;
};

/* Saved user context; trap.S addresses it, so the layout is pinned. */
struct trapframe {
	uint64_t regs[32]; /* regs[0] = pc (sepc), regs[i] = x_i */
	struct hart *hart; /* set on every return to user */
};
#define TF_HART 256
#define REG_PC 0
#define REG_RA 1
#define REG_SP 2
#define REG_TP 4
#define REG_T0 5
#define REG_T1 6
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12

enum thread_state {
	TS_SUSPENDED,   /* created or suspended: not runnable */
	TS_READY,       /* on the run queue */
	TS_RUNNING,     /* hart->current */
	TS_SEND,        /* queued on an endpoint as a caller (or fault) */
	TS_RECV,        /* queued on an endpoint as a receiver */
	TS_REPLY,       /* call delivered, waiting for the reply */
	TS_NOTIF,       /* waiting on a notification */
	TS_SLEEP,       /* on the sleep list */
	TS_DEAD,
};

struct endpoint;
struct task;

struct thread {
	struct trapframe tf; /* first: trap.S treats a thread as its frame */
	struct kobj obj;
	uint8_t state;
	uint8_t prio;
	uint8_t slice;        /* ticks left in the time slice */
	bool fp_used;         /* has touched the FPU: keep its state */
	bool in_fault;        /* blocked on a fault, not a call */
	bool reply_saved;     /* TS_REPLY and its server saved the reply */
	bool kill_queued;     /* on the deferred kill list */
	uint32_t call_seq;    /* bumped per saved call: binds a reply handle */
	uint16_t id;          /* index in the thread table */
	struct task *task;
	struct thread *next, *prev; /* queue links */
	void *queue;                /* endpoint / notification we wait on */
	struct thread *reply_to;    /* caller waiting for our reply */
	struct thread *server;      /* whom we wait on in TS_REPLY */
	struct thread *task_next;   /* link in task->threads */
	struct thread *kill_next;   /* deferred kill list */
	struct endpoint *fault_ep;  /* fault handler (holds a ref) */
	uint64_t fault_badge;
	uint64_t ipc_badge;         /* badge of the call while in TS_SEND */
	uint64_t fault_msg[6];      /* the fault message while in_fault */
	uint64_t wake_at;           /* TS_SLEEP deadline in timer ticks */
	struct fpstate fp;
};
_Static_assert(__builtin_offsetof(struct thread, tf) == 0, "trap.S: frame first");
_Static_assert(__builtin_offsetof(struct trapframe, hart) == TF_HART, "trap.S: TF_HART");

/* A thread's kobj is not at offset 0 (the trapframe is). */
static inline struct thread *thread_of_obj(struct kobj *o)
{
	return (struct thread *)((char *)o - __builtin_offsetof(struct thread, obj));
}

struct task {
	struct kobj obj;
	uint16_t id;
	uint16_t asid;
	uint64_t root_pa;         /* Sv39 root page table */
	uint64_t satp;            /* root_pa and asid as satp wants them */
	uint32_t quota[KQ_COUNT]; /* objects of each kind it may hold (quota.c) */
	uint32_t used[KQ_COUNT];  /* ... holds, or held and died holding */
	uint32_t lent[KQ_COUNT];  /* ... its child tasks hold, theirs included */
	uint32_t charged;         /* objects that name it as payer */
	struct task *quota_from;  /* creator (= obj.payer); quota returns to it */
	uint64_t grant_base, grant_end; /* frames it may map */
	struct thread *threads;
	struct notif *death;      /* TASK_WATCH: signalled when we die (ref) */
	uint64_t death_bits;
	struct handle handles[NHANDLES];
};

struct tqueue {
	struct thread *head, *tail;
};

struct endpoint {
	struct kobj obj;
	bool receivers; /* queue holds receivers (else callers/senders) */
	struct tqueue q;
};

struct notif {
	struct kobj obj;
	uint64_t bits;
	struct tqueue q;
	uint64_t timer_at;   /* one-shot timer deadline in ticks, 0 = none */
	uint64_t timer_bits;
	struct notif *timer_next;
};

/* A device from the DTB (one per bootinfo devs[] entry, never released:
 * the table holds a reference). Its page is outside RAM and the grants,
 * so only SYS_DEV_MAP can map it, and only into the caller's own task. */
struct device {
	struct kobj obj;
	uint64_t pa;           /* page aligned; registers fit in one page */
	uint32_t irq;          /* PLIC source, 0 = none */
	struct task *map_task; /* last SYS_DEV_MAP: checked, not trusted */
	uint64_t map_va;
};

/* sched/sched.c: run queues, priorities, time slices, sleeping. */
void sched_init(void);
void sched_ready(struct thread *t);
void sched_unready(struct thread *t);
struct thread *sched_next(void);
struct thread *sched_resume(struct thread *cur);
void sched_tick(void);
void sched_sleep(struct thread *t, uint64_t ticks);
void sched_unsleep(struct thread *t);
uint64_t sched_ticks(void);
void tq_push(struct tqueue *q, struct thread *t);
void tq_remove(struct tqueue *q, struct thread *t);
struct thread *tq_pop(struct tqueue *q);

/* sched/object.c: object tables, references and handles. */
void obj_init(void);
void obj_get(struct kobj *o);
void obj_put(struct kobj *o);
void obj_reap(void);
struct thread *obj_reap_slow(struct thread *next);
extern bool obj_reap_pending;

/* End of a kernel entry: run deferred releases (rarely any) and replace
 * next if they killed it. The slow part stays out of line so the trap
 * path keeps a small stack frame. */
static inline struct thread *obj_reap_before(struct thread *next)
{
	if (__builtin_expect(!obj_reap_pending, 1))
		return next;
	return obj_reap_slow(next);
}
void thread_kill_later(struct thread *t);
struct task *task_alloc(void);
void task_kill_children(struct task *t);
struct thread *thread_alloc(struct task *task);
struct endpoint *endpoint_alloc(void);
struct notif *notif_alloc(void);
struct thread *thread_by_id(uint16_t id);
long handle_lookup(struct task *t, uint64_t h, uint8_t type, uint32_t rights, struct handle **out);
long handle_free_slot(struct task *t);

/* handle_lookup's fast path, inline for the IPC and syscall paths; the
 * slow path explains refusals. */
static inline long handle_get(struct task *t, uint64_t h, uint8_t type, uint32_t rights,
			      struct handle **out)
{
	uint64_t slot = h & 0xff;
	struct handle *e = &t->handles[slot];
	if (__builtin_expect(slot && slot < NHANDLES && e->obj && e->gen == (h >> 8) &&
				     (!type || e->obj->type == type) &&
				     (e->rights & rights) == rights,
			     1)) {
		*out = e;
		return 0;
	}
	return handle_lookup(t, h, type, rights, out);
}
long handle_install(struct task *t, struct kobj *o, uint32_t rights, uint64_t badge);
void dev_add(uint64_t pa, uint32_t irq);
struct device *dev_by_index(uint64_t index);
bool dev_mapped(const struct device *d);
void handle_close(struct task *t, long slot);
extern struct kobj platform_obj;

/* sched/quota.c: who pays for kernel objects. */
void quota_root(struct task *root);
long quota_check(const struct task *t, unsigned kind, uint64_t n);
void quota_charge(struct task *t, struct kobj *o, unsigned kind);
void quota_credit(struct kobj *o);
void quota_give(struct task *from, struct task *to, unsigned kind, uint32_t n);
void quota_return(struct task *t);
void obj_orphans(struct task *t);

/* sched/task.c: task and thread life cycle. */
void thread_kill(struct thread *t);
void thread_release(struct thread *t);
void task_kill(struct task *t);
void thread_start(struct thread *t);
struct task *task_create_root(void);

/* sched/ipc.c: synchronous IPC and notifications. */
struct thread *ipc_call(struct thread *t, struct endpoint *ep, uint64_t badge);
struct thread *ipc_recv(struct thread *t, struct endpoint *ep, bool block);
struct thread *ipc_send(struct thread *t, struct endpoint *ep, uint64_t badge);
struct thread *ipc_reply(struct thread *t, bool then_recv, struct endpoint *ep);
long ipc_reply_save(struct thread *t);
long ipc_check_reply_to(struct thread *t, struct thread *c, uint64_t call);
void ipc_reply_to(struct thread *t, struct thread *c);
void ipc_abort(struct thread *t);
void notif_signal(struct notif *n, uint64_t bits);
void notif_abort(struct notif *n);
void notif_timer_tick(uint64_t now);
void notif_timer_cancel(struct notif *n);
void notif_timer_arm(struct notif *n, uint64_t at, uint64_t bits);

/* sched/syscall.c */
struct thread *syscall_dispatch(struct thread *t);

/* sched/irq.c */
void irq_handle(void);
long irq_bind(uint32_t irq, struct notif *n, uint64_t bits);
long irq_ack(uint32_t irq);
long irq_check_dev(uint32_t irq, uint64_t bits, const struct device *d);
void irq_bind_dev(uint32_t irq, struct notif *n, uint64_t bits, const struct device *d);
long irq_ack_dev(uint32_t irq, const struct device *d);

/* sched/boot.c */
void kmain(uint64_t hartid, uint64_t dtb_pa, uint64_t entry_instret);
extern bool kdebug;

/* One line saying why a syscall was refused (debug builds only). */
#define refuse(err, ...)                                                      \
	({                                                                    \
		if (kdebug)                                                   \
			kprintf("kernel: " __VA_ARGS__);                      \
		(long)(err);                                                  \
	})

#endif /* SCHED_SCHED_H */
