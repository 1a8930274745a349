/*
 * udpsink PORT: the edge node's service. Receives UDP datagrams on PORT and hands each to
 * handle_packet() (where the deployment's uprobe sits); every 100 ms prints
 * `t=NS received=N` with the CLOCK_MONOTONIC time (the clock bpftrace's nsecs reads).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned long received;
static volatile sig_atomic_t stop;

__attribute__((noinline)) int handle_packet(const unsigned char *buf, long len)
{
	received++;
	return len > 0 ? buf[0] : 0;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 9999;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct timeval tv = { 0, 100000 };
	unsigned char buf[2048];
	long long last = 0;
	volatile int acc = 0;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a)) {
		perror("udpsink");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		long n = recv(fd, buf, sizeof buf, 0);
		long long t;

		if (n > 0)
			acc += handle_packet(buf, n);
		t = now_ns();
		if (t - last >= 100000000LL) {
			last = t;
			printf("t=%lld received=%lu\n", t, received);
		}
	}
	printf("t=%lld received=%lu\n", now_ns(), received);
	return 0;
}
