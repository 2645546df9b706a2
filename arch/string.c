/*
 * string.c - the four memory functions the compiler may call on its own
 * even in freestanding code (struct copies and zeroing) (arch/). "used"
 * keeps them through -flto, which cannot see those implicit calls.
 */
#include <stddef.h>
#include <stdint.h>

__attribute__((used)) void *memcpy(void *d, const void *s, size_t n)
{
	char *dp = d;
	const char *sp = s;
	if ((((uintptr_t)dp | (uintptr_t)sp) & 7) == 0) {
		for (; n >= 8; n -= 8, dp += 8, sp += 8)
			*(uint64_t *)dp = *(const uint64_t *)sp;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

__attribute__((used)) void *memmove(void *d, const void *s, size_t n)
{
	char *dp = d;
	const char *sp = s;
	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

__attribute__((used)) void *memset(void *d, int c, size_t n)
{
	char *dp = d;
	if ((((uintptr_t)dp | n) & 7) == 0) { /* boot zeroes whole pages */
		uint64_t v = 0x0101010101010101ULL * (uint8_t)c;
		for (size_t i = 0; i < n / 8; i++)
			((uint64_t *)dp)[i] = v;
		return d;
	}
	while (n--)
		*dp++ = (char)c;
	return d;
}

__attribute__((used)) int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n--; x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
