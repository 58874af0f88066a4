// SPDX-License-Identifier: MIT
/*
 * The MP table (see mptable.h). Layouts from the MultiProcessor
 * Specification 1.4, chapter 4.
 */
#include <errno.h>
#include <string.h>

#include "mptable.h"

#define MPF_SIZE       16u /* floating pointer */
#define MPC_HDR_SIZE   44u /* configuration table header */
#define MPC_CPU_SIZE   20u
#define MPC_SMALL_SIZE 8u /* bus, IOAPIC, I/O and local interrupt */

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };

#define CPU_ENABLED	  1u
#define CPU_BOOTPROCESSOR 2u
#define MP_IRQ_INT	  0u
#define MP_IRQ_NMI	  1u
#define MP_IRQ_EXTINT	  3u
#define LAPIC_VERSION	  0x14u
#define IOAPIC_VERSION	  0x11u
#define MP_SPEC_1_4	  4u

struct writer {
	uint8_t *p;
	size_t off;
};

static void put8(struct writer *w, uint8_t v)
{
	w->p[w->off++] = v;
}

static void put16(struct writer *w, uint16_t v)
{
	put8(w, v & 0xff);
	put8(w, v >> 8);
}

static void put32(struct writer *w, uint32_t v)
{
	put16(w, v & 0xffff);
	put16(w, v >> 16);
}

static void put_bytes(struct writer *w, const char *s, size_t n)
{
	memcpy(w->p + w->off, s, n);
	w->off += n;
}

/* The byte that makes the n bytes at p sum to zero. */
static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i];
	return (uint8_t)-sum;
}

size_t mptable_size(unsigned int nr_cpus)
{
	return MPF_SIZE + MPC_HDR_SIZE + (size_t)nr_cpus * MPC_CPU_SIZE +
	       (2 + MPTABLE_ISA_IRQS + 2) * MPC_SMALL_SIZE;
}

static void intsrc(struct writer *w, uint8_t type, uint8_t irqtype, uint8_t bus,
		   uint8_t irq, uint8_t apic, uint8_t pin)
{
	put8(w, type);
	put8(w, irqtype);
	put16(w, 0); /* polarity and trigger: as the bus says */
	put8(w, bus);
	put8(w, irq);
	put8(w, apic);
	put8(w, pin);
}

int mptable_write(const struct guest_mem *mem, const uint32_t *ids,
		  unsigned int nr_cpus, struct xsvm_err *err)
{
	size_t len = mptable_size(nr_cpus);
	struct writer w;
	uint32_t max_id = 0;
	uint8_t ioapic;
	size_t hdr;

	if (!nr_cpus || MPTABLE_GPA + len > 0x100000u)
		return xsvm_err_set(
			err, EINVAL,
			"an MP table for %u vCPUs does not fit below 1 MiB",
			nr_cpus);
	for (unsigned int i = 0; i < nr_cpus; i++)
		if (ids[i] > max_id)
			max_id = ids[i];
	if (max_id >= 0xfe)
		return xsvm_err_set(err, EINVAL,
				    "APIC ID %u does not fit an MP table",
				    max_id);
	w.p = guest_mem_ptr(mem, MPTABLE_GPA, len);
	if (!w.p)
		return xsvm_err_set(
			err, EINVAL,
			"the MP table's %zu bytes at 0x%llx are not RAM", len,
			MPTABLE_GPA);
	memset(w.p, 0, len);
	ioapic = (uint8_t)(max_id + 1);

	/* floating pointer */
	w.off = 0;
	put_bytes(&w, "_MP_", 4);
	put32(&w, (uint32_t)(MPTABLE_GPA + MPF_SIZE));
	put8(&w, 1); /* length in 16-byte paragraphs */
	put8(&w, MP_SPEC_1_4);
	put8(&w, 0); /* checksum, below */
	w.off = MPF_SIZE;
	w.p[10] = checksum(w.p, MPF_SIZE);

	/* configuration table header */
	hdr = w.off;
	put_bytes(&w, "PCMP", 4);
	put16(&w, (uint16_t)(len - MPF_SIZE));
	put8(&w, MP_SPEC_1_4);
	put8(&w, 0); /* checksum, below */
	put_bytes(&w, "XSVM    ", 8);
	put_bytes(&w, "XSVM VMM    ", 12);
	put32(&w, 0); /* no OEM table */
	put16(&w, 0);
	put16(&w, (uint16_t)(nr_cpus + 2 + MPTABLE_ISA_IRQS + 2));
	put32(&w, MPTABLE_LAPIC);
	put32(&w, 0); /* no extended entries */

	for (unsigned int i = 0; i < nr_cpus; i++) {
		put8(&w, MP_PROCESSOR);
		put8(&w, (uint8_t)ids[i]);
		put8(&w, LAPIC_VERSION);
		put8(&w, CPU_ENABLED | (i == 0 ? CPU_BOOTPROCESSOR : 0));
		put32(&w, 0x600); /* signature: family 6 */
		put32(&w, 0x201); /* features: FPU, APIC */
		put32(&w, 0);
		put32(&w, 0);
	}
	put8(&w, MP_BUS);
	put8(&w, 0);
	put_bytes(&w, "ISA   ", 6);
	put8(&w, MP_IOAPIC);
	put8(&w, ioapic);
	put8(&w, IOAPIC_VERSION);
	put8(&w, 1); /* usable */
	put32(&w, MPTABLE_IOAPIC);
	for (unsigned int irq = 0; irq < MPTABLE_ISA_IRQS; irq++)
		intsrc(&w, MP_INTSRC, MP_IRQ_INT, 0, (uint8_t)irq, ioapic,
		       (uint8_t)irq);
	intsrc(&w, MP_LINTSRC, MP_IRQ_EXTINT, 0, 0, (uint8_t)ids[0], 0);
	intsrc(&w, MP_LINTSRC, MP_IRQ_NMI, 0, 0, 0xff, 1);
	w.p[hdr + 7] = checksum(w.p + hdr, len - MPF_SIZE);
	return 0;
}
