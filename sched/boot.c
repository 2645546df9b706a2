/*
 * boot.c - kernel start-up (sched/, called by arch/entry.S): read the DTB,
 * lay out physical memory, bring up traps, MMU, timer and PLIC, then load
 * the root task from the initrd and enter it. Physical layout after boot:
 *   [ram_base, kernel_end)  OpenSBI + kernel image (bss holds the tables)
 *   [.., initrd_end)        the initrd, copied down next to the kernel
 *   [.., grant_base)        kernel pool for page tables (>= 1/32 of RAM)
 *   [grant_base, grant_end) the root task's frame grant (2 MiB aligned)
 * Devices a task may drive are the DTB's virtio-mmio slots outside all of
 * that (boot_devices); bootinfo lists them for the root pager.
 */
#include "cpio.h"
#include "dtb.h"
#include "elf.h"
#include "mm.h"
#include "sched.h"

#ifndef KDEBUG
#define KDEBUG 1
#endif
bool kdebug = KDEBUG;

extern char kernel_start[], kernel_end[], boot_stack_top[];
extern uint64_t arch_finisher_pa;

static struct hart harts[MAX_HARTS];
static struct dtb_info dtb;
static struct bootinfo bi;
static uint64_t initrd_pa, initrd_size, next_frame;

#define MIB (1024UL * 1024)
#define SUPER (2 * MIB)

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* Move the initrd next to the kernel so free RAM is one range. QEMU puts
 * it mid-RAM; the copy only moves it down, so a forward copy is safe. */
static void boot_layout(void)
{
	uint64_t pa = align_up(kva_to_pa(kernel_end), PG_SIZE);
	initrd_size = dtb.initrd_end > dtb.initrd_start ? dtb.initrd_end - dtb.initrd_start : 0;
	if (initrd_size)
		__builtin_memmove(pa_to_kva(pa), pa_to_kva(dtb.initrd_start), initrd_size);
	initrd_pa = pa;
	uint64_t ram_end = dtb.mem_base + dtb.mem_size;
	uint64_t pool = align_up(pa + initrd_size, PG_SIZE);
	uint64_t pool_pages = dtb.mem_size / 32 / PG_SIZE;
	if (pool_pages < 256)
		pool_pages = 256;
	bi.grant_base = align_up(pool + pool_pages * PG_SIZE, SUPER);
	bi.grant_end = ram_end & ~(SUPER - 1);
	kpool_init(pool, (bi.grant_base - pool) / PG_SIZE);
	next_frame = bi.grant_base;
	kprintf("kernel: RAM %lu MiB, initrd %lu KiB, pool %lu pages, grant %lx-%lx\n",
		dtb.mem_size / MIB, initrd_size / 1024, kpool_total_pages(), bi.grant_base,
		bi.grant_end);
}

#define VIRTIO_MAGIC 0x74726976u     /* "virt", virtio-mmio MagicValue */
#define PHYSMAP_LIMIT (256ULL << 30) /* arch/entry.S maps PA 0..256 GiB */

static void boot_dev_drop(const struct dtb_dev *dev, enum dtb_drop why, void *ctx)
{
	static const char *const reason[] = {
		[DTB_DROP_SHAPE] = "not one aligned page", [DTB_DROP_LIMIT] = "past the physmap",
		[DTB_DROP_RAM] = "overlaps RAM", [DTB_DROP_RESERVED] = "overlaps the kernel's",
		[DTB_DROP_DUP] = "shares a page"};
	(void)ctx;
	if (kdebug)
		kprintf("kernel: virtio,mmio %lx+%lx refused: %s\n", dev->base, dev->size,
			why < sizeof reason / sizeof reason[0] ? reason[why] : "?");
}

/* [base, base + size), saturating: a hostile size must not wrap. */
static struct dtb_range boot_range(uint64_t base, uint64_t size)
{
	return (struct dtb_range){base, base + size < base ? UINT64_MAX : base + size};
}

/* virtio_id: the DeviceID register if MagicValue says virtio, else 0. */
static uint32_t boot_virtio_id(uint64_t pa)
{
	uint32_t magic, id;
	if (!mmu_probe_read32(pa, &magic) || magic != VIRTIO_MAGIC || !mmu_probe_read32(pa + 8, &id))
		return 0;
	return id;
}

/* Keep only the virtio slots a task may safely be given: none may cover
 * RAM, the kernel's memory (all of it is RAM, but the DTB's RAM is only a
 * claim) or a device the kernel keeps (UART, PLIC, finisher). Called
 * after boot_layout: grant_end is known. */
static void boot_devices(void)
{
	uint64_t uart = dtb.uart_base ? dtb.uart_base : 0x10000000;
	const struct dtb_range res[] = {
		{kva_to_pa(kernel_start), bi.grant_end},
		boot_range(uart & ~(PG_SIZE - 1), PG_SIZE),
		boot_range(dtb.plic_base, dtb.plic_size),
		boot_range(dtb.test_base & ~(PG_SIZE - 1), PG_SIZE),
	};
	if (dtb.virtio_extra && kdebug)
		kprintf("kernel: %u virtio,mmio nodes past %u ignored\n", dtb.virtio_extra,
			DTB_MAX_VIRTIO);
	dtb_virtio_filter(&dtb, PHYSMAP_LIMIT, res, sizeof res / sizeof res[0], boot_dev_drop,
			  NULL);
	for (uint32_t i = 0; i < dtb.nvirtio && i < BOOTINFO_DEVS; i++) {
		const struct dtb_dev *d = &dtb.virtio[i];
		bi.devs[i] = (struct bootinfo_dev){d->base, d->size, d->irq, boot_virtio_id(d->base)};
		dev_add(d->base, d->irq);
		bi.ndevs = i + 1;
	}
}

/* Is word, alone, among the boot arguments? */
static bool boot_word(const char *word)
{
	unsigned n = 0;
	while (word[n])
		n++;
	for (const char *p = dtb.bootargs; *p; p++)
		if ((p == dtb.bootargs || p[-1] == ' ') && !__builtin_memcmp(p, word, n) &&
		    (p[n] == 0 || p[n] == ' '))
			return true;
	return false;
}

/* The value after key= in the boot arguments, copied into out. */
static void boot_arg(const char *key, char *out, unsigned size, const char *dflt)
{
	unsigned klen = 0;
	while (key[klen])
		klen++;
	for (const char *p = dtb.bootargs; *p; p++) {
		if ((p == dtb.bootargs || p[-1] == ' ') && !__builtin_memcmp(p, key, klen) &&
		    p[klen] == '=') {
			p += klen + 1;
			unsigned i = 0;
			while (*p && *p != ' ' && i + 1 < size)
				out[i++] = *p++;
			out[i] = 0;
			return;
		}
	}
	for (unsigned i = 0; i < size; i++)
		if (!(out[i] = dflt[i]))
			break;
}

static void boot_hart(uint64_t hartid)
{
	struct hart *h = &harts[0];
	h->hartid = (uint32_t)hartid;
	h->kstack_top = (uint64_t)boot_stack_top;
	__asm__ volatile("mv tp, %0" ::"r"(h));
}

void boot_root(struct task *root, const void *elf, uint64_t size, uint64_t entry_instret);

void kmain(uint64_t hartid, uint64_t dtb_pa, uint64_t entry_instret)
{
	boot_hart(hartid);
	console_init(0);
	if (dtb_parse(pa_to_kva(dtb_pa), 1 << 20, &dtb) < 0) {
		kprintf("kernel: bad device tree at %lx\n", dtb_pa);
		arch_poweroff(97);
	}
	console_init(dtb.uart_base);
	arch_finisher_pa = dtb.test_base;
	/* Refusals are normal in tests and attacks: their lines only when asked. */
	kdebug = KDEBUG && boot_word("verbose");
	kprintf("\nkernel: booting on hart %lu of %u, args \"%s\"\n", hartid, dtb.nharts,
		dtb.bootargs);
	trap_init();
	mmu_init();
	boot_layout();
	obj_init();
	boot_devices();
	timer_init(dtb.timebase_hz);
	plic_init(dtb.plic_base, dtb.plic_ndev, (uint32_t)hartid);
	kprintf("kernel: %u ASIDs, timer via %s\n", mmu_asid_count(),
		timer_has_sstc() ? "Sstc" : "SBI");
	char name[64];
	struct cpio_file f;
	boot_arg("root", name, sizeof name, "pager");
	if (cpio_find(pa_to_kva(initrd_pa), initrd_size, name, &f) < 0) {
		kprintf("kernel: root program \"%s\" not in the initrd\n", name);
		arch_poweroff(96);
	}
	struct task *root = task_alloc();
	quota_root(root);
	vm_create(root);
	root->grant_base = bi.grant_base;
	root->grant_end = bi.grant_end;
	boot_root(root, f.data, f.size, entry_instret);
}

static uint64_t boot_frame(void)
{
	uint64_t pa = next_frame;
	next_frame += PG_SIZE;
	__builtin_memset(pa_to_kva(pa), 0, PG_SIZE);
	return pa;
}

/* Copy an ELF's PT_LOAD segments into contiguous frames and map them. */
static uint64_t boot_load(struct task *root, const struct elf_image *img, const char *file)
{
	uint64_t lo = img->seg[0].va & ~(PG_SIZE - 1), hi = 0;
	for (int i = 0; i < img->nseg; i++)
		if (img->seg[i].va + img->seg[i].memsz > hi)
			hi = img->seg[i].va + img->seg[i].memsz;
	bi.image_pa = next_frame;
	bi.image_va = lo;
	bi.image_size = align_up(hi, PG_SIZE) - lo;
	for (uint64_t va = lo; va < hi; va += PG_SIZE)
		boot_frame();
	for (int i = 0; i < img->nseg; i++) {
		const struct elf_seg *s = &img->seg[i];
		__builtin_memcpy(pa_to_kva(bi.image_pa + s->va - lo), file + s->off, s->filesz);
		for (uint64_t va = s->va & ~(PG_SIZE - 1); va < s->va + s->memsz; va += PG_SIZE)
			do_map(root, va, bi.image_pa + va - lo, s->perms);
	}
	return img->entry;
}

static uint64_t pt_alloc_root(void *task) { return kpool_alloc_for(task); }

/* The root sees its whole grant at FRAME_WINDOW + pa through megapages
 * (one table page per GiB), and the initrd read-only at INITRD_VA. */
static void boot_windows(struct task *root)
{
	for (uint64_t pa = bi.grant_base; pa < bi.grant_end; pa += SUPER)
		pt_map_super(root->root_pa, FRAME_WINDOW + pa, pa, PTE_R | PTE_W | PTE_U | PTE_A | PTE_D,
			     pt_alloc_root, root);
	for (uint64_t off = 0; off < initrd_size; off += PG_SIZE)
		do_map(root, INITRD_VA + off, initrd_pa + off, PERM_R);
}

static void boot_info_fill(uint64_t entry_instret)
{
	bi.magic = BOOTINFO_MAGIC;
	bi.ram_base = dtb.mem_base;
	bi.ram_size = dtb.mem_size;
	bi.initrd_size = initrd_size;
	bi.timebase_hz = timer_hz();
	bi.nharts = dtb.nharts;
	bi.kernel_entry_instret = entry_instret;
	bi.uart_irq = 10; /* QEMU virt wires the UART to PLIC source 10 */
	bi.kpool_pages = kpool_total_pages();
	bi.kpool_free = kpool_free_pages();
	__builtin_memcpy(bi.bootargs, dtb.bootargs, sizeof bi.bootargs);
}

void boot_root(struct task *root, const void *elf, uint64_t size, uint64_t entry_instret)
{
	struct elf_image img;
	int e = elf_parse(elf, size, USER_TOP, &img);
	if (e < 0) {
		kprintf("kernel: root ELF refused (error %d)\n", e);
		arch_poweroff(95);
	}
	uint64_t entry = boot_load(root, &img, elf);
	bi.stack_pa = next_frame;
	for (uint64_t off = ROOT_STACK_SIZE; off > 0; off -= PG_SIZE)
		do_map(root, ROOT_STACK_TOP - off, boot_frame(), PERM_R | PERM_W);
	uint64_t bi_pa = boot_frame();
	bi.first_free = next_frame;
	boot_windows(root);
	do_map(root, BOOTINFO_VA, bi_pa, PERM_R);
	/* The console driver in user space needs the UART (a device page,
	 * outside the grant: only the kernel can hand it out). */
	bi.uart_pa = dtb.uart_base ? dtb.uart_base : 0x10000000;
	do_map(root, UART_VA, bi.uart_pa & ~(PG_SIZE - 1), PERM_R | PERM_W);
	boot_info_fill(entry_instret);
	__builtin_memcpy(pa_to_kva(bi_pa), &bi, sizeof bi);
	handle_install(root, &root->obj, R_ALL & ~R_REPLY, 0);
	struct thread *t = thread_alloc(root);
	handle_install(root, &t->obj, R_ALL & ~R_REPLY, 0);
	handle_install(root, &platform_obj, R_CONTROL, 0);
	t->tf.regs[REG_PC] = entry;
	t->tf.regs[REG_SP] = ROOT_STACK_TOP;
	t->tf.regs[REG_A0] = BOOTINFO_VA;
	t->prio = PRIO_MAX;
	kprintf("kernel: root task entry %lx, %lu grant frames free\n", entry,
		(bi.grant_end - bi.first_free) / PG_SIZE);
	arch_enter_first(t);
}
