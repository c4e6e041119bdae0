// SPDX-License-Identifier: GPL-2.0
/*
 * robust_exit: the cost of dying while holding robust mutexes.
 *
 * A thread locks N process-shared robust mutexes and exits holding them;
 * the main thread times pthread_create() to pthread_join(), which covers
 * the locking (each lock links the mutex into the robust list) and the
 * kernel's exit-time walk of the list. Between samples, the main thread
 * recovers every mutex (EOWNERDEAD, consistent, unlock): that is not timed.
 *
 * Both threads run on CPU 0, so that the interval does not depend on where
 * the scheduler places the thread. Even so its samples spread by thousands
 * of instructions (thread creation and exit, deferred work that lands in
 * the interval), far more than a walk of one entry costs: at small N the
 * instruction trace of make walk-trace measures the walk, this does not.
 *
 * Prints one line per sample:
 *	bench robust_exit n=<N> ticks=<mean counter ticks per create-to-join>
 *
 * Usage: robust_exit [samples]. Tooling, not part of the series.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "ticks.h"

struct owner {
	pthread_mutex_t *mutexes;
	int n;
};

static void *lock_all_and_exit(void *arg)
{
	struct owner *o = arg;
	int i;

	for (i = 0; i < o->n; i++) {
		if (pthread_mutex_lock(&o->mutexes[i]))
			return (void *)1L;
	}
	return NULL;
}

static int recover(pthread_mutex_t *m, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pthread_mutex_lock(&m[i]) != EOWNERDEAD ||
		    pthread_mutex_consistent(&m[i]) ||
		    pthread_mutex_unlock(&m[i]))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { int n, iterations; } sizes[] = {
		{ 1, 64 }, { 64, 32 }, { 2048, 4 },
	};
	int samples = argc > 1 ? atoi(argv[1]) : 15;
	pthread_mutexattr_t attr;
	pthread_mutex_t *m;
	cpu_set_t cpu0;
	unsigned int s;
	int i, j, k;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		return 1;
	m = mmap(NULL, 2048 * sizeof(*m), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	for (i = 0; i < 2048; i++)
		pthread_mutex_init(&m[i], &attr);

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct owner o = { .mutexes = m, .n = sizes[s].n };

		for (j = 0; j < samples; j++) {
			long long total = 0;

			for (k = 0; k < sizes[s].iterations; k++) {
				long long t0 = now_ticks();
				pthread_t t;
				void *ret;

				if (pthread_create(&t, NULL, lock_all_and_exit,
						   &o) ||
				    pthread_join(t, &ret) || ret)
					return 1;
				total += now_ticks() - t0;
				if (recover(m, o.n))
					return 1;
			}
			printf("bench robust_exit n=%d ticks=%lld\n", o.n,
			       total / sizes[s].iterations);
			fflush(stdout);
		}
	}
	return 0;
}
