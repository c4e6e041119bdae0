/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A list_op_pending slot whose writes wait: a userfaultfd write-protects the
 * page, and nobody resolves the fault. A task that writes there, from user
 * mode or through the kernel, sleeps until a signal comes; with a fatal
 * signal pending the kernel's write fails, as it would on a page under I/O.
 * The tests of a task killed while its slot is being cleared use it.
 */
#ifndef _BLOCKED_SLOT_H
#define _BLOCKED_SLOT_H

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "robust_list.h"

/*
 * Write-protect the page at @page (present, private anonymous) with a new
 * userfaultfd. Returns the descriptor, which must stay open, or -1 if the
 * kernel has no userfaultfd write-protect for this caller.
 */
static inline int block_page_writes(void *page)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	long uffd = syscall(__NR_userfaultfd, O_CLOEXEC);

	reg.range.start = (unsigned long)page;
	reg.range.len = getpagesize();
	wp.range = reg.range;
	if (uffd < 0)
		return -1;
	if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    !(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT)) ||
	    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
		close(uffd);
		return -1;
	}
	return uffd;
}

/* The exit status of a child that finds no userfaultfd write-protect. */
#define NO_UFFD_WP	30

/*
 * The parent's half of a test of child @pid killed while its slot is being
 * cleared: wait until the child set *@ready, then until it unlocked the
 * futex @word and sleeps in the fault on its slot; store *@reuse in @word,
 * as memory freed and reused may hold it, and SIGKILL the child. Returns 0
 * with the killed child's wait status in *@status; -1 with the status of a
 * child that exited before it was ready; -2 if it could not be killed.
 */
static inline int kill_when_blocked(pid_t pid, const uint32_t *ready,
				    uint32_t *word, const uint32_t *reuse,
				    int *status)
{
	char path[64];

	while (!__atomic_load_n(ready, __ATOMIC_ACQUIRE)) {
		if (waitpid(pid, status, WNOHANG) != 0)
			return -1;
		usleep(1000);
	}
	/* Unlocked before the slot is cleared; the child then waits. */
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE))
		usleep(1000);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	futex_wait_until_stat_sleeps(path);
	__atomic_store_n(word, *reuse, __ATOMIC_RELEASE);
	if (kill(pid, SIGKILL) || waitpid(pid, status, 0) != pid)
		return -2;
	return 0;
}

#endif /* _BLOCKED_SLOT_H */
