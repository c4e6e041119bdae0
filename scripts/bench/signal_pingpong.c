// SPDX-License-Identifier: GPL-2.0
/*
 * signal_pingpong: the cost of delivering a signal to a handler.
 *
 * The main thread sends SIGUSR1 to a second thread and waits until its
 * handler has run; the handler acknowledges through a futex. Every round
 * delivers one signal through exit_to_user_mode_loop(), where the vDSO
 * robust unlock fixup checks the interrupted instruction pointer. Run on a
 * kernel with the series and one without it (CONFIG_FUTEX_ROBUST_LIST_RUST=n
 * builds neither the fixup nor its check), the ratio is what the check costs.
 *
 * Prints one line per sample:
 *	bench signal_pingpong n=1 ticks=<counter ticks per round>
 *
 * Usage: signal_pingpong [samples]. Tooling, not part of the series.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ticks.h"

#define ROUNDS	256

static uint32_t acked;
static pid_t receiver_tid;

static void handler(int sig)
{
	__atomic_add_fetch(&acked, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &acked, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *receiver(void *arg)
{
	__atomic_store_n(&receiver_tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	for (;;)
		pause();
	return arg;
}

int main(int argc, char **argv)
{
	int samples = argc > 1 ? atoi(argv[1]) : 15;
	struct sigaction sa = { .sa_handler = handler };
	pthread_t thread;
	uint32_t seen;
	int i, j;

	sigaction(SIGUSR1, &sa, NULL);
	if (pthread_create(&thread, NULL, receiver, NULL))
		return 1;
	while (!__atomic_load_n(&receiver_tid, __ATOMIC_ACQUIRE))
		usleep(1000);

	for (j = 0; j < samples; j++) {
		long long t0 = now_ticks();

		for (i = 0; i < ROUNDS; i++) {
			seen = __atomic_load_n(&acked, __ATOMIC_ACQUIRE);
			syscall(SYS_tgkill, getpid(), receiver_tid, SIGUSR1);
			while (__atomic_load_n(&acked, __ATOMIC_ACQUIRE) == seen)
				syscall(SYS_futex, &acked, FUTEX_WAIT_PRIVATE,
					seen, NULL, NULL, 0);
		}
		printf("bench signal_pingpong n=1 ticks=%lld\n",
		       (now_ticks() - t0) / ROUNDS);
		fflush(stdout);
	}
	return 0;
}
