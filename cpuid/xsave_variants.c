// SPDX-License-Identifier: MIT
/* Component layouts of real CPUs, from tests/data/cpuid-dumps/ (see .h). */
#include "xsave_variants.h"

/* Dumps that share a layout, named once. */
#define INTEL_MPX \
	"intel-cascadelakesp intel-denverton-goldmont intel-rocketlake intel-skylakesp"
#define INTEL_AMX \
	"intel-emeraldrapids-xcr0-noamx intel-emeraldrapids intel-graniterapids intel-sapphirerapids"
#define INTEL_AVX512 \
	"intel-alderlake-avx512 intel-cascadelakesp intel-emeraldrapids-xcr0-noamx " \
	"intel-emeraldrapids intel-graniterapids intel-icelakesp intel-rocketlake " \
	"intel-sapphirerapids intel-skylakesp intel-tigerlake"
/* The hybrid clients and their E-core relatives. */
#define INTEL_CLIENT \
	"intel-alderlake-avx512 intel-alderlake intel-alderlaken-gracemont " \
	"intel-arrowlake intel-meteorlake intel-pantherlake intel-raptorlake"
/* Every Intel part with PKRU. */
#define INTEL_PKRU \
	INTEL_CLIENT " intel-cascadelakesp intel-emeraldrapids-xcr0-noamx " \
	"intel-emeraldrapids intel-graniterapids intel-icelakesp " \
	"intel-rocketlake intel-sapphirerapids intel-skylakesp intel-tigerlake"
#define AMD_ZEN4_5 "amd-genoa amd-graniteridge amd-raphael amd-turin"
#define AMD_ZEN3_5 "amd-genoa amd-graniteridge amd-milan amd-raphael amd-turin"
#define CET \
	AMD_ZEN3_5 " " INTEL_CLIENT " " INTEL_AMX " intel-tigerlake"

#define V(i, sz, off, al, tg, who, from) \
	{ .index = i, .size = sz, .offset = off, .aligned = al, .tag = tg, \
	  .cpus = who, .dumps = from }

static const struct xsave_variant variants[] = {
	V(2, 256, 576, false, "intel_amd", "Intel and AMD",
	  "amd-rome amd-summitridge " AMD_ZEN3_5 " " INTEL_PKRU),
	V(3, 64, 960, false, "intel", "Intel", INTEL_MPX),
	V(4, 64, 1024, false, "intel", "Intel", INTEL_MPX),
	V(5, 64, 832, false, "amd_zen4_5", "AMD Zen 4 and 5", AMD_ZEN4_5),
	V(5, 64, 1088, false, "intel", "Intel", INTEL_AVX512),
	V(6, 512, 896, false, "amd_zen4_5", "AMD Zen 4 and 5", AMD_ZEN4_5),
	V(6, 512, 1152, false, "intel", "Intel", INTEL_AVX512),
	V(7, 1024, 1408, false, "amd_zen4_5", "AMD Zen 4 and 5", AMD_ZEN4_5),
	V(7, 1024, 1664, false, "intel", "Intel", INTEL_AVX512),
	V(8, 128, 0, false, "intel", "Intel",
	  INTEL_CLIENT " " INTEL_MPX " " INTEL_AMX
	  " intel-icelakesp intel-jasperlake-tremont intel-tigerlake"),
	V(9, 64, 832, false, "amd_zen2", "AMD Zen 2", "amd-rome"),
	V(9, 8, 2432, false, "amd_zen3_5", "AMD Zen 3 to 5", AMD_ZEN3_5),
	V(9, 8, 2688, false, "intel", "Intel", INTEL_PKRU),
	V(10, 8, 0, false, "intel", "Intel", INTEL_AMX),
	V(11, 16, 0, false, "intel_amd", "Intel and AMD", CET),
	V(12, 24, 0, false, "intel_amd", "Intel and AMD", CET),
	V(13, 8, 0, false, "intel", "Intel", "intel-rocketlake intel-tigerlake"),
	V(14, 48, 0, false, "intel", "Intel",
	  INTEL_AMX " intel-arrowlake intel-pantherlake"),
	V(15, 808, 0, false, "intel", "Intel", INTEL_CLIENT " " INTEL_AMX),
	V(16, 8, 0, false, "intel", "Intel", INTEL_CLIENT " intel-graniterapids"),
	V(17, 64, 2752, true, "intel", "Intel", INTEL_AMX),
	V(18, 8192, 2816, true, "intel", "Intel", INTEL_AMX),
};

const struct xsave_variant *xsave_variants(unsigned int *nr)
{
	*nr = sizeof(variants) / sizeof(variants[0]);
	return variants;
}
