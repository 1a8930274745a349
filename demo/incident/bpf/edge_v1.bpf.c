// Edge node deployment v1 (the good one).
//   xdp_edge   XDP on the edge interface: counts every packet and passes it
//   on_packet  uprobe on the UDP service's handle_packet(): counts the packets it handles
//   sampler    10 Hz software cpu-clock event: reads a per-CPU software counter (perf event array)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} rx_packets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} handled SEC(".maps");

/* per-CPU software counters (cpu-clock, counting): filled by the deploy agent */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
	__uint(max_entries, 64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} last_sample SEC(".maps");

SEC("xdp")
int xdp_edge(struct xdp_md *ctx)
{
	u32 k = 0;
	u64 *n = bpf_map_lookup_elem(&rx_packets, &k);

	if (n)
		*n += 1;
	return XDP_PASS;
}

SEC("uprobe")
int on_packet(struct pt_regs *ctx)
{
	u32 k = 0;
	u64 *n = bpf_map_lookup_elem(&handled, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

SEC("perf_event")
int sampler(struct bpf_perf_event_data *ctx)
{
	u32 k = 0;
	u64 v = bpf_perf_event_read(&counters, BPF_F_CURRENT_CPU);
	u64 *last = bpf_map_lookup_elem(&last_sample, &k);

	if (last)
		*last = v;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
