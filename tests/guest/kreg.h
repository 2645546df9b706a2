/*
 * kreg.h - shared set-up of the kernel regression suites (kregress.c,
 * kreg_runq.c, kreg_epq.c): a task P cloned from us that creates a child
 * task T, hands T's handle to us and then faults to a handler we chose,
 * so that P can be left alive without threads, owning T.
 */
#ifndef TESTS_KREG_H
#define TESTS_KREG_H

/* P's body: T = TASK_CREATE, call ep with T's handle, then fault. */
void kreg_parent(long ep);

/* Start P (prio 20) with fault handler fault_send; returns T's handle in
 * our table once P has handed it over (P then waits for our reply on ep). */
long kreg_family(long ep, long fault_send, long *p, long *pth);

#endif /* TESTS_KREG_H */
