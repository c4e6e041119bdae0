// SPDX-License-Identifier: GPL-2.0
/*
 * walk_once <N>: a thread locks N robust mutexes and exits holding them,
 * so that the kernel walks a robust list of N entries at its exit; then the
 * process exits with an empty list. make walk-trace traces both walks.
 * Tooling, not part of the series.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_HELD 64

static pthread_mutex_t mutexes[MAX_HELD];
static int held;

static void *lock_and_exit(void *arg)
{
	int i;

	for (i = 0; i < held; i++) {
		if (pthread_mutex_lock(&mutexes[i]))
			return (void *)1L;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_mutexattr_t attr;
	pthread_t thread;
	void *ret;
	int i;

	held = argc > 1 ? atoi(argv[1]) : 1;
	if (held < 0 || held > MAX_HELD)
		return 2;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	for (i = 0; i < MAX_HELD; i++)
		pthread_mutex_init(&mutexes[i], &attr);
	if (pthread_create(&thread, NULL, lock_and_exit, NULL) ||
	    pthread_join(thread, &ret) || ret)
		return 1;
	printf("walk_once: a thread died holding %d robust mutexes\n", held);
	return 0;
}
