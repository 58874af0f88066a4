// SPDX-License-Identifier: MIT
#include <stdbool.h>

#include "insn.h"

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0: case 0xf2: case 0xf3: case 0x2e: case 0x36:
	case 0x3e: case 0x26: case 0x64: case 0x65: case 0x66: case 0x67:
		return true;
	default:
		return false;
	}
}

static const char *const xsave_0fae[8] = {
	[4] = "xsave", [5] = "xrstor", [6] = "xsaveopt",
};

static const char *const group9_0fc7[8] = {
	[1] = "cmpxchg8b", [3] = "xrstors", [4] = "xsavec", [5] = "xsaves",
};

#define REMEDY_CX16 \
	"this KVM does not emulate CMPXCHG16B: add clearcpuid=cx16 to --append"
#define REMEDY_XSAVE \
	"this KVM does not emulate the XSAVE family; a kernel that executes it has already passed its XSAVE consistency check"

void insn_identify(const uint8_t *b, size_t len, struct insn_name *n)
{
	size_t i = 0;
	bool rex_w = false;
	unsigned int reg;

	n->mnemonic = NULL;
	n->remedy = NULL;
	while (i < len && is_legacy_prefix(b[i]))
		i++;
	if (i < len && (b[i] & 0xf0) == 0x40)
		rex_w = b[i++] & 0x08;
	if (i + 3 > len || b[i] != 0x0f)
		return;
	if (b[i + 1] == 0x01 && (b[i + 2] == 0xd0 || b[i + 2] == 0xd1)) {
		n->mnemonic = b[i + 2] == 0xd0 ? "xgetbv" : "xsetbv";
		n->remedy = REMEDY_XSAVE;
		return;
	}
	if ((b[i + 2] >> 6) == 3)
		return; /* register forms are other instructions */
	reg = (b[i + 2] >> 3) & 7;
	if (b[i + 1] == 0xae && xsave_0fae[reg]) {
		n->mnemonic = xsave_0fae[reg];
		n->remedy = REMEDY_XSAVE;
	} else if (b[i + 1] == 0xc7 && group9_0fc7[reg]) {
		if (reg == 1 && rex_w) {
			n->mnemonic = "cmpxchg16b";
			n->remedy = REMEDY_CX16;
		} else {
			n->mnemonic = group9_0fc7[reg];
			n->remedy = reg == 1 ? NULL : REMEDY_XSAVE;
		}
	}
}
