/*
 * edgeapp: a small service to trace on a lab node. hot() runs 10x as often as cold(); the
 * program counts its own calls and prints the totals every 100 ms with the CLOCK_MONOTONIC time
 * in ns — the clock bpftrace's nsecs reads — as `t=NS hot=N cold=N` (truth for call-frequency
 * checks over any window). A USDT probe (edgeapp:tick) fires once per loop.
 *   edgeapp [LOOPS_PER_SEC]   (default 1000)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static unsigned long hot_calls, cold_calls;

__attribute__((noinline)) int hot(int x)
{
	hot_calls++;
	return x * 3 + 1;
}

__attribute__((noinline)) int cold(int x)
{
	cold_calls++;
	return x - 1;
}

/* two steps of every loop, as often as hot(): a shared name prefix (one wildcard probe where
 * the node's bpftrace can multi-attach) */
__attribute__((noinline)) int step_parse(int x)
{
	return x ^ 0x5a;
}

__attribute__((noinline)) int step_reply(int x)
{
	return x + 7;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	long rate = argc > 1 ? atol(argv[1]) : 1000;
	struct timespec pause = { 0, rate > 0 ? 1000000000L / rate : 1000000L };
	struct timespec now;
	long long last = 0, t;
	volatile int acc = 0;
	unsigned long it = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		it++;
		acc += step_parse((int)it);
		acc += hot((int)it);
		acc += step_reply(acc);
		if (it % 10 == 0)
			acc += cold((int)it);
		DTRACE_PROBE2(edgeapp, tick, it, acc);
		nanosleep(&pause, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		t = now.tv_sec * 1000000000LL + now.tv_nsec;
		if (t - last >= 100000000LL) {
			last = t;
			printf("t=%lld hot=%lu cold=%lu\n", t, hot_calls, cold_calls);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("t=%lld hot=%lu cold=%lu\n", now.tv_sec * 1000000000LL + now.tv_nsec, hot_calls, cold_calls);
	return 0;
}
