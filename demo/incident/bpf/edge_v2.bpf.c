// Edge node deployment v2 (the "automated optimisation").
//   xdp_edge   parses the packet to take a "fast path" for the service's traffic — and returns
//              XDP_ABORTED for every tenth sequence number (an unchecked branch)
//   on_packet  now reads the CPU counter itself, for every packet (the sampler is gone)
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_IP 0x0800
#define SERVICE_PORT 9999

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
} cpu_clock_total SEC(".maps");

SEC("xdp")
int xdp_edge(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	__be32 *seq;
	u32 k = 0;
	u64 *n = bpf_map_lookup_elem(&rx_packets, &k);

	if (n)
		*n += 1;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return XDP_PASS;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end || udp->dest != bpf_htons(SERVICE_PORT))
		return XDP_PASS;
	seq = (void *)(udp + 1);
	if ((void *)(seq + 1) > end)
		return XDP_PASS;
	/* the fast path's batch boundary: not handled, the packet is aborted */
	if (bpf_ntohl(*seq) % 10 == 0)
		return XDP_ABORTED;
	return XDP_PASS;
}

SEC("uprobe")
int on_packet(struct pt_regs *ctx)
{
	u32 k = 0;
	u64 v = bpf_perf_event_read(&counters, BPF_F_CURRENT_CPU);
	u64 *n = bpf_map_lookup_elem(&handled, &k);
	u64 *total = bpf_map_lookup_elem(&cpu_clock_total, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	if (total)
		__sync_fetch_and_add(total, v);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
