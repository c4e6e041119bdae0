// SPDX-License-Identifier: GPL-2.0
/*
 * The init of the test initramfs: mount the pseudo filesystems, run every
 * test of /etc/tests.list with a timeout, print the results as KTAP on the
 * console, and reboot (QEMU runs with -no-reboot, so that ends the run).
 *
 * A test's own TAP/KTAP output is indented by four spaces, which makes it a
 * KTAP subtest of the line that reports its exit status:
 *
 *	KTAP version 1
 *	1..2
 *	    TAP version 13
 *	    ...
 *	ok 1 x86_64 futex_wait
 *
 * Exit status 0 is "ok", 4 (KSFT_SKIP) "ok ... # SKIP", anything else, a
 * signal or the timeout "not ok".
 *
 * With "shell" on the kernel command line it mounts and starts busybox sh.
 * "timeout_factor=N" (a debug kernel under TCG) multiplies every test's
 * timeout by N; other "name=value" parameters reach the tests as their
 * environment, as the kernel passes them to init.
 *
 * On a kernel with kmemleak (which scans only when asked), a scan after the
 * last test is one more result, "kmemleak": every unreferenced object it
 * reports, listed under it, is a failure, whether boot, KUnit or a test
 * leaked it.
 *
 * /etc/tests.list: one test per line, "name|directory|timeout|argv..."
 * (argv separated by spaces).
 *
 * Tooling, not part of the series.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS 512
#define MAX_ARGS 32
#define KSFT_SKIP 4
#define KMEMLEAK "/sys/kernel/debug/kmemleak"

struct test {
	char *name;
	char *dir;
	int timeout;
	char *argv[MAX_ARGS + 1];
};

static struct test tests[MAX_TESTS];

static void mount_fs(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, NULL) && errno != EBUSY)
		printf("# init: mount %s on %s: %s\n", type, dst, strerror(errno));
}

static int timeout_factor(void)
{
	const char *f = getenv("timeout_factor");

	return f && atoi(f) > 0 ? atoi(f) : 1;
}

static int read_tests(void)
{
	static char buf[1 << 16];
	char *line, *save = NULL;
	ssize_t len;
	int fd, n = 0, factor = timeout_factor();

	fd = open("/etc/tests.list", O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';

	for (line = strtok_r(buf, "\n", &save); line && n < MAX_TESTS;
	     line = strtok_r(NULL, "\n", &save)) {
		struct test *t = &tests[n];
		char *arg, *argsave = NULL, *timeout, *args;
		int i = 0;

		t->name = strsep(&line, "|");
		t->dir = strsep(&line, "|");
		timeout = strsep(&line, "|");
		args = line;
		if (!t->dir || !timeout || !args)
			continue;
		t->timeout = atoi(timeout) * factor;
		for (arg = strtok_r(args, " ", &argsave); arg && i < MAX_ARGS;
		     arg = strtok_r(NULL, " ", &argsave))
			t->argv[i++] = arg;
		t->argv[i] = NULL;
		n++;
	}
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Copy the child's output to the console, each line indented. */
static void relay(int fd, char *pending, size_t *plen, int flush)
{
	char buf[4096];
	ssize_t n;
	size_t i;

	n = flush ? 0 : read(fd, buf, sizeof(buf));
	for (i = 0; n > 0 && i < (size_t)n; i++) {
		if (*plen < 4000)
			pending[(*plen)++] = buf[i];
		if (buf[i] == '\n' || *plen >= 4000) {
			printf("    %.*s", (int)*plen, pending);
			if (pending[*plen - 1] != '\n')
				putchar('\n');
			*plen = 0;
		}
	}
	if (flush && *plen) {
		printf("    %.*s\n", (int)*plen, pending);
		*plen = 0;
	}
	fflush(stdout);
}

static void run_test(int num, struct test *t)
{
	char pending[4096], path[512];
	int pipefd[2], status = 0, timed_out = 0;
	double start = now(), deadline = start + t->timeout;
	size_t plen = 0;
	pid_t pid;

	if (pipe(pipefd)) {
		printf("not ok %d %s # pipe: %s\n", num, t->name, strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		if (chdir(t->dir))
			_exit(127);
		snprintf(path, sizeof(path), "%s/%s", t->dir, t->argv[0]);
		execv(path, t->argv);
		printf("init: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);

	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		double left = deadline - now();
		int r;

		if (left <= 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			char c;

			if (pfd.revents & POLLIN) {
				relay(pipefd[0], pending, &plen, 0);
				continue;
			}
			if (read(pipefd[0], &c, 0) <= 0)
				break;	/* POLLHUP: every writer is gone */
		}
	}
	waitpid(pid, &status, 0);
	/* Reap what the test left behind in its process group. */
	kill(-pid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	relay(pipefd[0], pending, &plen, 1);
	close(pipefd[0]);

	if (timed_out)
		printf("not ok %d %s # TIMEOUT after %ds\n", num, t->name,
		       t->timeout);
	else if (WIFSIGNALED(status))
		printf("not ok %d %s # killed by signal %d\n", num, t->name,
		       WTERMSIG(status));
	else if (WEXITSTATUS(status) == KSFT_SKIP)
		printf("ok %d %s # SKIP\n", num, t->name);
	else if (WEXITSTATUS(status))
		printf("not ok %d %s # exit status %d\n", num, t->name,
		       WEXITSTATUS(status));
	else
		printf("ok %d %s\n", num, t->name);
	printf("# %s: %.1fs\n", t->name, now() - start);
	fflush(stdout);
}

static int kmemleak_command(const char *cmd)
{
	int fd = open(KMEMLEAK, O_WRONLY), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd) ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * The result "kmemleak", numbered @num: scan once every object the tests
 * allocated is older than kmemleak's minimum age (5 s), and again, so that
 * what the first scan saw in flight is not reported; list each object still
 * unreferenced.
 */
static void kmemleak_result(int num)
{
	char line[512];
	int leaks = 0;
	FILE *f;

	sleep(6);
	if (kmemleak_command("scan") || (sleep(1), kmemleak_command("scan")) ||
	    !(f = fopen(KMEMLEAK, "r"))) {
		printf("not ok %d kmemleak # scan: %s\n", num, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		leaks += !strncmp(line, "unreferenced object", 19);
		printf("    # %s", line);
	}
	fclose(f);
	if (leaks)
		printf("not ok %d kmemleak # %d unreferenced objects\n", num,
		       leaks);
	else
		printf("ok %d kmemleak\n", num);
}

int main(int argc, char **argv)
{
	int i, n, shell = 0, kmemleak;

	mount_fs("proc", "/proc", "proc");
	mount_fs("sysfs", "/sys", "sysfs");
	mount_fs("devtmpfs", "/dev", "devtmpfs");
	mount_fs("tmpfs", "/tmp", "tmpfs");
	mount_fs("tmpfs", "/dev/shm", "tmpfs");
	if (!access("/sys/kernel/debug", F_OK))
		mount_fs("debugfs", "/sys/kernel/debug", "debugfs");
	setenv("PATH", "/bin:/sbin", 1);

	for (i = 1; i < argc; i++)
		shell |= !strcmp(argv[i], "shell");
	if (shell) {
		char *sh[] = { "/bin/busybox", "sh", NULL };

		system("/bin/busybox --install -s /bin");
		printf("init: tests are in /selftests (list: /etc/tests.list);"
		       " 'reboot -f' ends the session\n");
		execv(sh[0], sh);
		printf("init: no shell in this initramfs: %s\n", strerror(errno));
	} else {
		n = read_tests();
		kmemleak = !access(KMEMLEAK, W_OK);
		printf("KTAP version 1\n");
		if (n < 0) {
			printf("1..1\nnot ok 1 init # no /etc/tests.list\n");
		} else {
			printf("1..%d\n", n + kmemleak);
			fflush(stdout);
			for (i = 0; i < n; i++)
				run_test(i + 1, &tests[i]);
			if (kmemleak)
				kmemleak_result(n + 1);
		}
		printf("# init: all tests done\n");
	}
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
