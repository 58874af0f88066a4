/* SPDX-License-Identifier: MIT */
/*
 * Naming the instruction a KVM emulation failure stopped on, for the
 * instructions some KVM variants cannot emulate (CMPXCHG16B, the XSAVE
 * family), with the usual remedy.
 */
#ifndef XSVM_VMM_INSN_H
#define XSVM_VMM_INSN_H

#include <stddef.h>
#include <stdint.h>

struct insn_name {
	const char *mnemonic; /* "cmpxchg16b", "xrstor", ...; NULL: unknown */
	const char *remedy;   /* what to do about it, or NULL */
};

/* Decode legacy/REX prefixes and the opcode of bytes[0..len). */
void insn_identify(const uint8_t *bytes, size_t len, struct insn_name *n);

#endif
