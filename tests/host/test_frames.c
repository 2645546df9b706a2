/*
 * test_frames.c - host unit tests for libsys/frames.c, the bump-then-
 * free-list frame allocator and its whole-page zero/copy helpers.
 * Layer: tests/host. Frames are a page-aligned array of NFR pages seen at
 * fake pa 0x80800000 through the window (VA = pa + window).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "frames.h"

#define NFR 16
#define FR_BASE 0x80800000ULL
#define FSZ 4096u

static _Alignas(4096) uint8_t fmem[NFR * FSZ];
static _Alignas(4096) uint8_t buf[3 * FSZ], src[FSZ];

static void fresh(struct frames *f)
{
	memset(fmem, 0x5a, sizeof fmem);
	frames_init(f, FR_BASE, FR_BASE + NFR * FSZ, (uint64_t)(uintptr_t)fmem - FR_BASE);
}

static void test_bump(void)
{
	struct frames f;
	fresh(&f);
	CHECK_EQ(frames_free_count(&f), NFR);
	CHECK(frames_va(&f, FR_BASE) == fmem);
	CHECK(frames_va(&f, FR_BASE + 3 * FSZ) == fmem + 3 * FSZ);
	for (unsigned i = 0; i < NFR; i++) {
		CHECK_EQ(frames_alloc(&f), FR_BASE + i * FSZ);
		CHECK_EQ(frames_free_count(&f), NFR - 1 - i);
	}
	CHECK_EQ(frames_alloc(&f), 0);
	CHECK_EQ(frames_alloc(&f), 0);
	CHECK_EQ(frames_free_count(&f), 0);
}

static void test_lifo(void)
{
	struct frames f;
	fresh(&f);
	uint64_t a0 = frames_alloc(&f), a1 = frames_alloc(&f), a2 = frames_alloc(&f);
	CHECK_EQ(frames_free_count(&f), NFR - 3);
	frames_free(&f, a1);
	CHECK_EQ(frames_free_count(&f), NFR - 2);
	CHECK_EQ(frames_alloc(&f), a1);             /* freed frame before bump */
	CHECK_EQ(frames_alloc(&f), FR_BASE + 3 * FSZ);
	CHECK_EQ(frames_free_count(&f), NFR - 4);

	frames_free(&f, a0);
	frames_free(&f, a2);
	frames_free(&f, a1);
	CHECK_EQ(frames_free_count(&f), NFR - 1);
	CHECK_EQ(frames_alloc(&f), a1);             /* last in, first out */
	CHECK_EQ(frames_alloc(&f), a2);
	CHECK_EQ(frames_alloc(&f), a0);
	CHECK_EQ(frames_free_count(&f), NFR - 4);
	CHECK_EQ(frames_alloc(&f), FR_BASE + 4 * FSZ);
}

/* Drain, give everything back in a scrambled order, drain again: every
 * frame comes back exactly once and the count tracks each step. */
static void test_cycle(void)
{
	struct frames f;
	uint64_t got[NFR];
	unsigned seen[NFR] = { 0 };
	fresh(&f);
	for (unsigned i = 0; i < NFR; i++)
		got[i] = frames_alloc(&f);
	for (unsigned i = 0; i < NFR; i++) {
		frames_free(&f, got[(i * 5 + 3) % NFR]); /* 5 is coprime to 16 */
		CHECK_EQ(frames_free_count(&f), i + 1);
	}
	for (unsigned i = 0; i < NFR; i++) {
		uint64_t pa = frames_alloc(&f);
		CHECK_EQ(pa, got[((NFR - 1 - i) * 5 + 3) % NFR]);
		CHECK(pa >= FR_BASE && pa < FR_BASE + NFR * FSZ && pa % FSZ == 0);
		if (pa >= FR_BASE && pa < FR_BASE + NFR * FSZ)
			seen[(pa - FR_BASE) / FSZ]++;
		CHECK_EQ(frames_free_count(&f), NFR - 1 - i);
	}
	for (unsigned i = 0; i < NFR; i++)
		CHECK_EQ(seen[i], 1);
	CHECK_EQ(frames_alloc(&f), 0);
}

static unsigned count_byte(const uint8_t *p, size_t n, uint8_t v)
{
	unsigned c = 0;
	for (size_t i = 0; i < n; i++)
		c += p[i] == v;
	return c;
}

static void test_zero(void)
{
	memset(buf, 0xff, sizeof buf);
	frame_zero(buf + FSZ);
	CHECK_EQ(count_byte(buf + FSZ, FSZ, 0), FSZ);
	CHECK_EQ(count_byte(buf, FSZ, 0xff), FSZ);
	CHECK_EQ(count_byte(buf + 2 * FSZ, FSZ, 0xff), FSZ);
}

static void test_copy(void)
{
	for (unsigned i = 0; i < FSZ; i++)
		src[i] = (uint8_t)(i * 7 + 3 + (i >> 8));
	memset(buf, 0xee, sizeof buf);
	frame_copy(buf + FSZ, src);
	CHECK(memcmp(buf + FSZ, src, FSZ) == 0);
	CHECK_EQ(count_byte(buf, FSZ, 0xee), FSZ);
	CHECK_EQ(count_byte(buf + 2 * FSZ, FSZ, 0xee), FSZ);
	CHECK_EQ(src[0], 3);
	CHECK_EQ(src[FSZ - 1], (uint8_t)((FSZ - 1) * 7 + 3 + 15));
}

int main(void)
{
	test_bump();
	test_lifo();
	test_cycle();
	test_zero();
	test_copy();
	return check_report("host-frames");
}
