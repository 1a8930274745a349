/*
 * incident-agent OBJ PIN_DIR IFNAME SERVICE_BIN: the incident's deploy agent. Loads OBJ with
 * libbpf and attaches each program the way a deploy tool would:
 *   XDP          → IFNAME (driver mode, as a bpf_link)
 *   uprobe       → SERVICE_BIN:handle_packet
 *   perf_event   → a software cpu-clock sampling event at 10 Hz on CPU 0
 * fills the `counters` perf event array with a counting cpu-clock event per CPU, pins programs,
 * maps and links under PIN_DIR, prints "ready" and stays resident: the kernel drops a perf event
 * array's entries when the process that put them there closes the map, so this agent lives as
 * long as the deployment (SIGTERM ends it; the pins stay until the deploy script removes them).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int perf_open(struct perf_event_attr *a, int cpu)
{
	return (int)syscall(__NR_perf_event_open, a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int pin(const char *dir, const char *kind, const char *name, int (*f)(void *, const char *), void *obj)
{
	char p[4096];
	int r = snprintf(p, sizeof p, "%s/%s_%s", dir, kind, name);

	if (r < 0 || (size_t)r >= sizeof p)
		return -1;
	if (f(obj, p)) {
		fprintf(stderr, "pin %s %s: %s\n", kind, name, strerror(errno));
		return -1;
	}
	return 0;
}

static int pin_map(void *m, const char *p) { return bpf_map__pin(m, p); }
static int pin_link(void *l, const char *p) { return bpf_link__pin(l, p); }
static int pin_prog(void *g, const char *p) { return bpf_program__pin(g, p); }

static volatile sig_atomic_t stop;
static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *m;
	unsigned int ifindex;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);

	if (argc != 5) {
		fprintf(stderr, "usage: %s OBJ PIN_DIR IFNAME SERVICE_BIN\n", argv[0]);
		return 2;
	}
	ifindex = if_nametoindex(argv[3]);
	if (!ifindex) {
		fprintf(stderr, "interface %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (mkdir(argv[2], 0700) && errno != EEXIST) {
		perror(argv[2]);
		return 1;
	}
	bpf_object__for_each_map(m, obj) {
		if (bpf_map__is_internal(m))
			continue;
		if (bpf_map__type(m) == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
			for (int cpu = 0; cpu < ncpu && cpu < (int)bpf_map__max_entries(m); cpu++) {
				struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE, .size = sizeof a, .config = PERF_COUNT_SW_CPU_CLOCK };
				int fd = perf_open(&a, cpu);
				__u32 key = (__u32)cpu;

				if (fd < 0 || bpf_map_update_elem(bpf_map__fd(m), &key, &fd, BPF_ANY)) {
					fprintf(stderr, "counter on cpu %d: %s\n", cpu, strerror(errno));
					return 1;
				}
			}
		}
		if (pin(argv[2], "map", bpf_map__name(m), pin_map, m))
			return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *l = NULL;

		switch (bpf_program__type(prog)) {
		case BPF_PROG_TYPE_XDP:
			l = bpf_program__attach_xdp(prog, (int)ifindex);
			break;
		case BPF_PROG_TYPE_KPROBE: {
			LIBBPF_OPTS(bpf_uprobe_opts, o, .func_name = "handle_packet");
			l = bpf_program__attach_uprobe_opts(prog, -1, argv[4], 0, &o);
			break;
		}
		case BPF_PROG_TYPE_PERF_EVENT: {
			struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE, .size = sizeof a, .config = PERF_COUNT_SW_CPU_CLOCK, .freq = 1, .sample_freq = 10 };
			int fd = perf_open(&a, 0);

			if (fd < 0) {
				fprintf(stderr, "sampling event: %s\n", strerror(errno));
				return 1;
			}
			l = bpf_program__attach_perf_event(prog, fd);
			break;
		}
		default:
			l = bpf_program__attach(prog);
		}
		if (!l) {
			fprintf(stderr, "attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			return 1;
		}
		if (pin(argv[2], "link", bpf_program__name(prog), pin_link, l) || pin(argv[2], "prog", bpf_program__name(prog), pin_prog, prog))
			return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
