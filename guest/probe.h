/* SPDX-License-Identifier: MIT */
/*
 * Probe mode of the test guest: measure the host's KVM and report to the
 * VMM (cpuid/probe.h). Ends the run itself.
 */
#ifndef XSVM_GUEST_PROBE_H
#define XSVM_GUEST_PROBE_H

__attribute__((noreturn)) void probe_main(void);

#endif
