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
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* Wait until process @pid sleeps in the kernel (or is gone). */
static inline void wait_until_blocked(pid_t pid)
{
	char path[64], buf[256], *state;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (;;) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			return;
		buf[n] = '\0';
		state = strrchr(buf, ')');
		if (state && state[1] == ' ' &&
		    (state[2] == 'S' || state[2] == 'D'))
			return;
		usleep(1000);
	}
}

#endif /* _BLOCKED_SLOT_H */
