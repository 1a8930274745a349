/*
 * udpgen ADDR PORT RATE [SECONDS]: steady traffic for the incident. Sends RATE UDP datagrams a
 * second to ADDR:PORT, each starting with a 32-bit big-endian sequence number (0, 1, 2, …),
 * in bursts every millisecond; forever unless SECONDS is given. Every 100 ms prints
 * `t=NS sent=N` (CLOCK_MONOTONIC).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	long rate;
	double secs;
	int fd;
	unsigned char pkt[64];
	unsigned long sent = 0;
	struct timespec t0, now, next;
	long long last = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: udpgen ADDR PORT RATE [SECONDS]\n");
		return 2;
	}
	rate = atol(argv[3]);
	secs = argc > 4 ? atof(argv[4]) : 0;
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 || rate <= 0) {
		fprintf(stderr, "udpgen: bad address or rate\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
		perror("udpgen");
		return 1;
	}
	memset(pkt, 0xab, sizeof pkt);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	next = t0;
	while (!stop) {
		double el;
		long long t;
		unsigned long want;

		clock_gettime(CLOCK_MONOTONIC, &now);
		el = (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
		if (secs > 0 && el >= secs)
			break;
		want = (unsigned long)(el * rate);
		while (sent < want) {
			unsigned int seq = htonl((unsigned int)sent);

			memcpy(pkt, &seq, 4);
			send(fd, pkt, sizeof pkt, 0); /* an ICMP error for a packet dropped on the way is not ours to count */
			sent++;
		}
		t = now.tv_sec * 1000000000LL + now.tv_nsec;
		if (t - last >= 100000000LL) {
			last = t;
			printf("t=%lld sent=%lu\n", t, sent);
		}
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("t=%lld sent=%lu\n", now.tv_sec * 1000000000LL + now.tv_nsec, sent);
	return 0;
}
