/*
 * blkc_test.h (servers/blk/) - the block path's in-guest self-test, run
 * by the pager when booted with the word "blktest" (blkc_test.c), and the
 * one look into blkc's queues it needs.
 */
#ifndef SERVERS_BLK_BLKC_TEST_H
#define SERVERS_BLK_BLKC_TEST_H

/* Called once the driver reported (status 0 or -errno); powers off. */
void blkc_selftest(int status);
/* ios in ring slots, and waiting in the FIFO. */
void blkc_queue_depth(int *inflight, int *waiting);
/* The device's Status register as the pager sees it once it reset the
 * device (after the driver died), ~0 before. */
uint32_t blkc_device_status(void);

#endif /* SERVERS_BLK_BLKC_TEST_H */
