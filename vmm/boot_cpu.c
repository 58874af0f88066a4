// SPDX-License-Identifier: MIT
/*
 * GDT, TSS, identity-mapping page tables and register state for the 64-bit
 * entry. Tables are little-endian, as on the x86 hosts KVM runs on.
 */
#include <string.h>

#include "boot_cpu.h"
#include "boot_params.h"

#define PAGE_SIZE     0x1000u
#define PT_ENTRIES    512u
#define PAGE_2M	      0x200000ull
#define PAGE_1G	      0x40000000ull
#define TSS_IOMAP_OFF 0x66 /* I/O map base field in the 64-bit TSS */

/* Descriptor access bytes and flag nibbles. */
#define ACC_CODE64 0x9b /* present, DPL 0, code, execute/read, accessed */
#define ACC_DATA   0x93 /* present, DPL 0, data, read/write, accessed */
#define ACC_TSS64  0x8b /* present, DPL 0, system, 64-bit TSS busy */
#define FLG_G	   0x8
#define FLG_DB	   0x4
#define FLG_L	   0x2

#define SEG_TYPE_CODE 0xb
#define SEG_TYPE_DATA 0x3
#define SEG_TYPE_TSS  0xb
#define SEG_TYPE_LDT  0x2

static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint8_t access,
			  uint8_t flags)
{
	return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

static void put64(uint8_t *p, unsigned int idx, uint64_t v)
{
	memcpy(p + idx * sizeof(v), &v, sizeof(v));
}

static void write_gdt_tss(uint8_t *gdt, uint8_t *tss)
{
	uint16_t iomap = BOOT_TSS_SIZE;

	memset(gdt, 0, BOOT_GDT_SIZE);
	put64(gdt, BOOT_SEL_CODE / 8,
	      gdt_entry(0, 0xfffff, ACC_CODE64, FLG_G | FLG_L));
	put64(gdt, BOOT_SEL_DATA / 8,
	      gdt_entry(0, 0xfffff, ACC_DATA, FLG_G | FLG_DB));
	put64(gdt, BOOT_SEL_TSS / 8,
	      gdt_entry((uint32_t)BOOT_TSS_GPA, BOOT_TSS_SIZE - 1, ACC_TSS64,
			0));
	put64(gdt, BOOT_SEL_TSS / 8 + 1, BOOT_TSS_GPA >> 32);

	memset(tss, 0, BOOT_TSS_SIZE);
	memcpy(tss + TSS_IOMAP_OFF, &iomap, sizeof(iomap));
}

static void write_page_tables(uint8_t *pml4, uint8_t *pdpt, uint8_t *pd)
{
	const uint64_t table = BOOT_PTE_P | BOOT_PTE_RW;
	unsigned int i, j;

	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	put64(pml4, 0, BOOT_PDPT_GPA | table);
	for (i = 0; i < BOOT_PD_COUNT; i++) {
		put64(pdpt, i, (BOOT_PD_GPA + i * PAGE_SIZE) | table);
		for (j = 0; j < PT_ENTRIES; j++)
			put64(pd, i * PT_ENTRIES + j,
			      (i * PAGE_1G + j * PAGE_2M) | table |
				      BOOT_PTE_PS);
	}
}

static void set_seg(struct kvm_segment *seg, uint16_t sel, uint8_t type)
{
	memset(seg, 0, sizeof(*seg));
	seg->limit = 0xffffffff;
	seg->selector = sel;
	seg->type = type;
	seg->present = 1;
	seg->s = 1;
	seg->g = 1;
}

static void fill_sregs(struct kvm_sregs *sr)
{
	memset(sr, 0, sizeof(*sr));
	set_seg(&sr->cs, BOOT_SEL_CODE, SEG_TYPE_CODE);
	sr->cs.l = 1;
	set_seg(&sr->ds, BOOT_SEL_DATA, SEG_TYPE_DATA);
	sr->ds.db = 1;
	sr->es = sr->fs = sr->gs = sr->ss = sr->ds;

	sr->tr.base = BOOT_TSS_GPA;
	sr->tr.limit = BOOT_TSS_SIZE - 1;
	sr->tr.selector = BOOT_SEL_TSS;
	sr->tr.type = SEG_TYPE_TSS;
	sr->tr.present = 1;

	sr->ldt.type = SEG_TYPE_LDT;
	sr->ldt.unusable = 1;

	sr->gdt.base = BOOT_GDT_GPA;
	sr->gdt.limit = BOOT_GDT_SIZE - 1;
	sr->idt.base = 0;
	sr->idt.limit = 0;

	sr->cr0 = BOOT_CR0_PE | BOOT_CR0_MP | BOOT_CR0_ET | BOOT_CR0_NE |
		  BOOT_CR0_WP | BOOT_CR0_PG;
	sr->cr3 = BOOT_PML4_GPA;
	sr->cr4 = BOOT_CR4_PAE | BOOT_CR4_OSFXSR | BOOT_CR4_OSXMMEXCPT;
	sr->efer = BOOT_EFER_LME | BOOT_EFER_LMA;
}

static int check_addr(const struct guest_mem *m, const char *what, uint64_t gpa,
		      uint64_t len, struct xsvm_err *err)
{
	if (!guest_mem_contains(m, gpa, len))
		return xsvm_err_set(err, EINVAL,
				    "%s at 0x%llx is outside RAM (%llu bytes)",
				    what, (unsigned long long)gpa,
				    (unsigned long long)m->size);
	if (gpa + len > BOOT_MAP_END)
		return xsvm_err_set(err, EINVAL,
				    "%s at 0x%llx is not below the 4 GiB "
				    "identity map",
				    what, (unsigned long long)gpa);
	return 0;
}

int boot_cpu_setup(struct guest_mem *m, uint64_t entry,
		   uint64_t boot_params_gpa, struct boot_cpu_state *s,
		   struct xsvm_err *err)
{
	uint64_t pd_len = (uint64_t)BOOT_PD_COUNT * PAGE_SIZE;
	int ret;

	ret = check_addr(m, "boot page tables", BOOT_PML4_GPA,
			 BOOT_PD_GPA + pd_len - BOOT_PML4_GPA, err);
	if (!ret)
		ret = check_addr(m, "entry point", entry, 1, err);
	if (!ret)
		ret = check_addr(m, "boot_params", boot_params_gpa,
				 BOOT_PARAMS_SIZE, err);
	if (ret)
		return ret;

	write_gdt_tss(guest_mem_ptr(m, BOOT_GDT_GPA, BOOT_GDT_SIZE),
		      guest_mem_ptr(m, BOOT_TSS_GPA, BOOT_TSS_SIZE));
	write_page_tables(guest_mem_ptr(m, BOOT_PML4_GPA, PAGE_SIZE),
			  guest_mem_ptr(m, BOOT_PDPT_GPA, PAGE_SIZE),
			  guest_mem_ptr(m, BOOT_PD_GPA, pd_len));

	memset(&s->regs, 0, sizeof(s->regs));
	s->regs.rip = entry;
	s->regs.rsi = boot_params_gpa;
	s->regs.rsp = BOOT_STACK_GPA;
	s->regs.rflags = BOOT_RFLAGS;
	fill_sregs(&s->sregs);
	return 0;
}

void boot_cpu_apply(struct kvm_sregs *sregs, const struct boot_cpu_state *s)
{
	const struct kvm_sregs *b = &s->sregs;

	sregs->cs = b->cs;
	sregs->ds = b->ds;
	sregs->es = b->es;
	sregs->fs = b->fs;
	sregs->gs = b->gs;
	sregs->ss = b->ss;
	sregs->tr = b->tr;
	sregs->ldt = b->ldt;
	sregs->gdt = b->gdt;
	sregs->idt = b->idt;
	sregs->cr0 = b->cr0;
	sregs->cr3 = b->cr3;
	sregs->cr4 = b->cr4;
	sregs->efer = b->efer;
}
