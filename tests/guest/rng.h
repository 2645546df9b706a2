/*
 * rng.h - a fixed-seed xorshift64 generator for the fuzz suites (fuzz.c,
 * pfuzz.c): the same seed gives the same calls, so a failure replays.
 */
#ifndef TESTS_RNG_H
#define TESTS_RNG_H

#include <stdint.h>

static uint64_t rng_state;

static inline uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#endif /* TESTS_RNG_H */
