/*
 * pgwork_mat.c (servers/bin/) - pgwork's matmul and matmul-blocked: C = A
 * * B for N x N matrices of 64-bit integers (the three take about -n
 * pages), naive i-j-k or in 32 x 32 tiles, checked against a closed form.
 */
#include <stdlib.h>
#include <string.h>

#include "pgwork.h"

#define MAT_TILE 32 /* three 32 x 32 tiles of 8-byte words: 6 pages */

/* A[i][j] = a0 + a1*i + a2*j and B[i][j] = b0 + b1*i + b2*j, with
 * coefficients in -8..8 drawn per round. All arithmetic is modulo 2^64
 * (uint64_t), which the product and the closed form respect alike, so
 * the check is exact whatever overflows. */
struct mat {
	uint64_t n, *a, *b, *c;
	uint64_t a0, a1, a2, b0, b1, b2;
};

/* The largest N with 3 * N * N * 8 <= pages * 4096, at least 1. */
static uint64_t mat_side(uint64_t pages)
{
	uint64_t n = 1;
	while (3 * (n + 1) * (n + 1) * 8 <= pages * PGW_PAGE)
		n++;
	return n;
}

static void mat_init(struct mat *m, uint64_t *state)
{
	uint64_t *coef[] = { &m->a0, &m->a1, &m->a2, &m->b0, &m->b1, &m->b2 };
	for (int i = 0; i < 6; i++)
		*coef[i] = pgw_below(state, 17) - 8;
	for (uint64_t i = 0; i < m->n; i++)
		for (uint64_t j = 0; j < m->n; j++) {
			m->a[i * m->n + j] = m->a0 + m->a1 * i + m->a2 * j;
			m->b[i * m->n + j] = m->b0 + m->b1 * i + m->b2 * j;
		}
}

/* With x = a0 + a1*i and y = b0 + b2*j, C[i][j] = sum over k of
 * (x + a2*k)(y + b1*k) = N*x*y + (x*b1 + a2*y)*S1 + a2*b1*S2, where S1 =
 * sum k = N(N-1)/2 and S2 = sum k^2 = (N-1)N(2N-1)/6 (exact: N < 2^20). */
static int mat_check(const struct pgw_opts *o, const struct mat *m)
{
	uint64_t n = m->n, s1 = n * (n - 1) / 2, s2 = (n - 1) * n * (2 * n - 1) / 6;
	for (uint64_t i = 0; i < n; i++)
		for (uint64_t j = 0; j < n; j++) {
			uint64_t x = m->a0 + m->a1 * i, y = m->b0 + m->b2 * j;
			uint64_t want =
				n * x * y + (x * m->b1 + m->a2 * y) * s1 + m->a2 * m->b1 * s2;
			if (m->c[i * n + j] != want)
				return pgw_fail(o, "C[%llu][%llu] = %#llx, want %#llx",
						(unsigned long long)i, (unsigned long long)j,
						(unsigned long long)m->c[i * n + j],
						(unsigned long long)want);
		}
	return 0;
}

/* i-j-k: the inner loop walks a column of B, one row (N words) apart. */
static void mat_naive(struct mat *m)
{
	uint64_t n = m->n;
	for (uint64_t i = 0; i < n; i++)
		for (uint64_t j = 0; j < n; j++) {
			uint64_t s = 0;
			for (uint64_t k = 0; k < n; k++)
				s += m->a[i * n + k] * m->b[k * n + j];
			m->c[i * n + j] = s;
		}
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* C's tile (ii, jj) += A's tile (ii, kk) * B's tile (kk, jj), i-k-j:
 * rows of B and C, never columns. */
static void mat_tile(struct mat *m, uint64_t ii, uint64_t kk, uint64_t jj)
{
	uint64_t n = m->n, ie = min_u64(ii + MAT_TILE, n), ke = min_u64(kk + MAT_TILE, n),
		 je = min_u64(jj + MAT_TILE, n);
	for (uint64_t i = ii; i < ie; i++)
		for (uint64_t k = kk; k < ke; k++) {
			uint64_t a = m->a[i * n + k], *c = m->c + i * n;
			const uint64_t *b = m->b + k * n;
			for (uint64_t j = jj; j < je; j++)
				c[j] += a * b[j];
		}
}

static void mat_blocked(struct mat *m)
{
	memset(m->c, 0, m->n * m->n * sizeof *m->c);
	for (uint64_t ii = 0; ii < m->n; ii += MAT_TILE)
		for (uint64_t kk = 0; kk < m->n; kk += MAT_TILE)
			for (uint64_t jj = 0; jj < m->n; jj += MAT_TILE)
				mat_tile(m, ii, kk, jj);
}

/* r rounds of: new coefficients, fill A and B, multiply, check all of C. */
static int mat_run(const struct pgw_opts *o, void (*multiply)(struct mat *))
{
	struct mat m = { .n = mat_side(o->pages) };
	uint64_t words = m.n * m.n, state = o->seed;
	m.a = malloc(3 * words * sizeof *m.a);
	if (!m.a)
		return pgw_fail(o, "out of memory (N = %llu)", (unsigned long long)m.n);
	m.b = m.a + words;
	m.c = m.b + words;
	int bad = 0;
	for (uint64_t k = 0; k < o->rounds && !bad; k++) {
		mat_init(&m, &state);
		multiply(&m);
		bad = mat_check(o, &m);
	}
	free(m.a);
	return bad;
}

int pgw_matmul(const struct pgw_opts *o)
{
	return mat_run(o, mat_naive);
}

int pgw_matmul_blocked(const struct pgw_opts *o)
{
	return mat_run(o, mat_blocked);
}
