/*
 * edgeapp: a small service to trace on a lab node. hot() runs ~10x as often as cold(); the
 * program counts its own calls and prints the totals every second (truth for call-frequency
 * checks). A USDT probe (edgeapp:tick) fires once per loop.
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

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	long rate = argc > 1 ? atol(argv[1]) : 1000;
	struct timespec pause = { 0, rate > 0 ? 1000000000L / rate : 1000000L };
	time_t last = time(NULL);
	volatile int acc = 0;
	unsigned long it = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		it++;
		acc += hot((int)it);
		if (it % 10 == 0)
			acc += cold((int)it);
		DTRACE_PROBE2(edgeapp, tick, it, acc);
		nanosleep(&pause, NULL);
		if (time(NULL) != last) {
			last = time(NULL);
			printf("hot=%lu cold=%lu\n", hot_calls, cold_calls);
		}
	}
	printf("hot=%lu cold=%lu\n", hot_calls, cold_calls);
	return 0;
}
