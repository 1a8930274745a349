/*
 * writegen RATE SECONDS: write(2) one byte to /dev/null RATE times a second for SECONDS, in
 * small bursts every millisecond (a steady, known event rate for tracing benchmarks: a
 * tracepoint on sys_enter_write filtered on this comm fires exactly that often). Prints how
 * many writes it made.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long rate = argc > 1 ? atol(argv[1]) : 10000;
	double secs = argc > 2 ? atof(argv[2]) : 10;
	int fd = open("/dev/null", O_WRONLY);
	struct timespec t0, now, next;
	unsigned long done = 0;
	char c = 'x';

	if (fd < 0 || rate <= 0) {
		fprintf(stderr, "usage: writegen RATE SECONDS\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	next = t0;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el = (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
		if (el >= secs)
			break;
		/* catch up to where the rate says we should be */
		unsigned long want = (unsigned long)(el * rate);
		while (done < want) {
			if (write(fd, &c, 1) != 1)
				return 1;
			done++;
		}
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("%lu\n", done);
	return 0;
}
