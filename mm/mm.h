/*
 * mm.h - memory management in the kernel (mm/): Sv39 page-table encoding
 * and walks (pt.c, pure logic, also built natively for host tests), the
 * bounded pool of page-table pages with per-task quotas (kpool.c) and
 * checked access to user memory through the page tables (uaccess.c).
 * Invariants: user mappings live in root entries 0..255 (VA < USER_TOP);
 * entries 256..511 are the kernel's global gigapages, copied into every
 * root and never changed. The kernel never writes a user frame that the
 * user could not write itself: uaccess honours V/U/R/W exactly.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t pte_t;

/* Sv39 PTE: bits 0-7 flags, 8-9 RSW, 10-53 PPN, 54-63 reserved (0). */
#define PTE_V (1ULL << 0)
#define PTE_R (1ULL << 1)
#define PTE_W (1ULL << 2)
#define PTE_X (1ULL << 3)
#define PTE_U (1ULL << 4)
#define PTE_G (1ULL << 5)
#define PTE_A (1ULL << 6)
#define PTE_D (1ULL << 7)
#define PTE_RWX (PTE_R | PTE_W | PTE_X)
#define PTE_PPN_MASK ((1ULL << 44) - 1)

#define PT_LEVELS 3
#define PT_ENTRIES 512
#define PG_SIZE 4096UL
#define PG_SHIFT 12

static inline pte_t pte_make(uint64_t pa, uint64_t flags)
{
	return ((pa >> PG_SHIFT) << 10) | flags;
}
static inline uint64_t pte_pa(pte_t p) { return ((p >> 10) & PTE_PPN_MASK) << PG_SHIFT; }
static inline bool pte_valid(pte_t p) { return p & PTE_V; }
static inline bool pte_is_leaf(pte_t p) { return (p & PTE_V) && (p & PTE_RWX); }
/* Index of va at level (2 = root, 0 = last): 9 bits each above the 12-bit offset. */
static inline unsigned pt_index(uint64_t va, int level)
{
	return (va >> (PG_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}
/* PERM_R/W/X (abi.h: 1, 2, 4) are the PTE R/W/X bits shifted down by one. */
static inline uint64_t pte_perm_bits(unsigned perms) { return (uint64_t)(perms & 7) << 1; }

/* Supplied by the user of pt.c: the kernel maps pa via the physmap; host
 * tests via a fake memory. */
void *mm_phys(uint64_t pa);

/* pt.c: a table page allocator; returns a zeroed page's pa. */
typedef uint64_t (*pt_alloc_fn)(void *ctx);
typedef void (*pt_free_fn)(uint64_t pa, void *ctx);

pte_t *pt_lookup(uint64_t root_pa, uint64_t va, int *level);
int pt_tables_needed(uint64_t root_pa, uint64_t va);
void pt_map(uint64_t root_pa, uint64_t va, uint64_t pa, uint64_t flags, pt_alloc_fn alloc,
	    void *ctx);
void pt_map_super(uint64_t root_pa, uint64_t va, uint64_t pa, uint64_t flags, pt_alloc_fn alloc,
		  void *ctx);

/* Visit every valid leaf in [va, end) (4 KiB leaves only unless the
 * callback accepts level > 0); absent tables are skipped in one step. */
typedef void (*pt_leaf_fn)(pte_t *pte, uint64_t va, int level, void *ctx);
void pt_range(uint64_t root_pa, uint64_t va, uint64_t end, pt_leaf_fn fn, void *ctx);
bool pt_range_has_super(uint64_t root_pa, uint64_t va, uint64_t end);
/* The last-level entries of [va, end), a table's run at a time: fn gets
 * the first entry, how many, and the va of the first (superpages and
 * missing tables are skipped: their pages are not there). */
typedef void (*pt_run_fn)(pte_t *ptes, unsigned n, uint64_t va, void *ctx);
void pt_range_runs(uint64_t root_pa, uint64_t va, uint64_t end, pt_run_fn fn, void *ctx);
void pt_free_user(uint64_t root_pa, pt_free_fn free_fn, void *ctx);
void pt_prune(uint64_t root_pa, uint64_t va, uint64_t end, pt_free_fn free_fn, void *ctx);

#ifndef MM_HOST_ONLY
struct task;
/* kpool.c: page-table pages, charged to a task's quota. */
void kpool_init(uint64_t base_pa, uint64_t npages);
uint64_t kpool_free_pages(void);
uint64_t kpool_total_pages(void);
bool kpool_can_charge(struct task *t, unsigned n);
uint64_t kpool_alloc_for(void *task);
void kpool_free_for(uint64_t pa, void *task);
uint64_t kpool_alloc_raw(void);

/* vm.c: a task's address space. */
long vm_create(struct task *t);
void vm_destroy(struct task *t);
long check_map(struct task *t, uint64_t va);
void do_map(struct task *t, uint64_t va, uint64_t pa, unsigned perms);
long check_range(struct task *t, uint64_t va, uint64_t npages, uint64_t *end);
long do_unmap(struct task *t, uint64_t va, uint64_t end);
long check_protect(struct task *t, const struct task *caller, uint64_t va, uint64_t end,
		   unsigned perms);
long do_protect(struct task *t, uint64_t va, uint64_t end, unsigned perms);
void do_ad_clear(struct task *t, uint64_t va, uint64_t end, uint8_t *out);
/* D (or, accessed, A) of each mapped page of [va, end) into bits (zeroed
 * by the caller, one bit a page), cleared; returns how many were set. */
uint64_t do_dirty_clear(struct task *t, uint64_t va, uint64_t end, uint64_t *bits, bool accessed);

/* uaccess.c: returns 0 or the first user VA that the access may not touch
 * (with *bad set). The check changes nothing. */
bool uaccess_check(struct task *t, uint64_t va, uint64_t len, bool write, uint64_t *bad);
void uaccess_copy_out(struct task *t, uint64_t va, const void *src, uint64_t len);
void uaccess_copy_in(struct task *t, void *dst, uint64_t va, uint64_t len);
#endif

#endif /* MM_MM_H */
