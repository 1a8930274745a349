// Lab deployment that moves (issue 19, defect 6): the same program, built twice with another
// tracepoint (-DTP=sys_enter_getpgid, -DTP=sys_enter_getsid). Same code, so the same tag and the
// same instructions: only the attach point tells the two deployments apart.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#ifndef TP
#error "build with -DTP=sys_enter_<syscall>"
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} moved_calls SEC(".maps");

SEC("tracepoint/syscalls/" STR(TP))
int moved(struct trace_event_raw_sys_enter *ctx)
{
	u32 zero = 0;
	u64 *v = bpf_map_lookup_elem(&moved_calls, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
