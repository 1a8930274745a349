// Lab deployment: an XDP program on the node's eth0 that counts and passes packets.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} rx_packets SEC(".maps");

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	u32 k = 0;
	u64 *v = bpf_map_lookup_elem(&rx_packets, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
