/*
 * lab-load OBJ.bpf.o PIN_DIR [IFNAME]
 * A minimal "deploy" for the lab: open + load an object with libbpf, attach
 * every program (XDP programs to IFNAME), and pin maps, links and programs
 * under PIN_DIR so that they stay loaded after this process exits.
 * (bpftool 7.1 has no autoattach, hence this loader.)
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int pin_path(char *buf, size_t n, const char *dir, const char *kind, const char *name)
{
	int r = snprintf(buf, n, "%s/%s_%s", dir, kind, name);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

int main(int argc, char **argv)
{
	char p[4096];
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *m;
	unsigned int ifindex = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s OBJ.bpf.o PIN_DIR [IFNAME]\n", argv[0]);
		return 2;
	}
	if (argc == 4) {
		ifindex = if_nametoindex(argv[3]);
		if (!ifindex) {
			fprintf(stderr, "interface %s: %s\n", argv[3], strerror(errno));
			return 1;
		}
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj)) {
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
		if (pin_path(p, sizeof p, argv[2], "map", bpf_map__name(m)) || bpf_map__pin(m, p)) {
			fprintf(stderr, "pin map %s: %s\n", bpf_map__name(m), strerror(errno));
			return 1;
		}
	}
	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *l;

		if (bpf_program__type(prog) == BPF_PROG_TYPE_XDP) {
			if (!ifindex) {
				fprintf(stderr, "%s is XDP: give IFNAME\n", bpf_program__name(prog));
				return 2;
			}
			l = bpf_program__attach_xdp(prog, ifindex);
		} else {
			l = bpf_program__attach(prog);
		}
		if (!l) {
			fprintf(stderr, "attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			return 1;
		}
		if (pin_path(p, sizeof p, argv[2], "link", bpf_program__name(prog)) || bpf_link__pin(l, p)) {
			fprintf(stderr, "pin link %s: %s\n", bpf_program__name(prog), strerror(errno));
			return 1;
		}
		if (pin_path(p, sizeof p, argv[2], "prog", bpf_program__name(prog)) || bpf_program__pin(prog, p)) {
			fprintf(stderr, "pin prog %s: %s\n", bpf_program__name(prog), strerror(errno));
			return 1;
		}
	}
	printf("%s\n", argv[2]);
	return 0; /* no bpf_object__close: the pins keep everything loaded */
}
