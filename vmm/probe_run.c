// SPDX-License-Identifier: MIT
#include <string.h>

#include "guest_image.h"
#include "probe_run.h"

int probe_run(const struct cpuid_table *t, const struct probe_config *c,
	      struct probe_outcome *o, struct xsvm_err *err)
{
	const struct xsave_order ascending = {.kind = XSAVE_ORDER_ASCENDING};
	struct machine_config mc = {
		.kernel_path = "built-in test guest (probe mode)",
		.kernel_image = (const uint8_t *)guest_image,
		.kernel_image_len = guest_image_len,
		.cmdline = PROBE_GUEST_CMDLINE,
		.mem_bytes = (uint64_t)PROBE_MEM_MIB << 20,
		.run = {.timeout_s = c->timeout_s, .full_boot = true},
		.console_path = c->console_path,
		.live = c->live,
		.have_linux_version = true,
		.linux_version = LINUX_DEFAULT_VERSION,
		.probe = &o->data,
	};
	struct machine *m;
	int ret;

	o->probed = false;
	host_id_read(&o->host);
	m = machine_load(&mc, &o->mr, err);
	if (!m)
		return -EINVAL;
	ret = machine_boot(m, t, &ascending, err);
	machine_free(m);
	if (ret)
		return ret;
	if (!o->data.done)
		return 0;
	probe_analyse(t, &o->mr.seen, &o->data, &o->res);
	o->probed = true;
	return 0;
}
