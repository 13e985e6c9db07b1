// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Passes everything. The lab attaches it to the client's veth: a veth
 * delivers frames its peer sends with XDP_TX (xdpblock's DNS replies) only
 * when an XDP program runs on the receiving side.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
