// SPDX-License-Identifier: GPL-2.0
/*
 * ltd_bench_pipe: syscall and pipe loops for tests/bench (a benchmark,
 * not a test). None of them touches sanitizer-tagged memory, so they show
 * what the switched-off or idle sanitizer costs ordinary system calls.
 *
 *   ltd_bench_pipe [-t TARGET_MS]
 *	syscall   getppid()
 *	pipe      write() + read() of one byte on one pipe, one process
 *	pingpong  one byte back and forth between two processes (2 pipes)
 *	Each loop is calibrated by pilot runs to take about TARGET_MS
 *	(default 400). Prints "BENCH <name>_ns <ns per iteration>" and
 *	"BENCH-INFO <name>_iters <n>".
 */

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int fds[2], ping[2], pong[2];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "ltd_bench_pipe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void xwrite(int fd)
{
	char c = 'x';

	if (write(fd, &c, 1) != 1)
		die("write");
}

static void xread(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("read");
}

static void loop_syscall(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void loop_pipe(long n)
{
	for (long i = 0; i < n; i++) {
		xwrite(fds[1]);
		xread(fds[0]);
	}
}

static void loop_pingpong(long n)
{
	for (long i = 0; i < n; i++) {
		xwrite(ping[1]);
		xread(pong[0]);
	}
}

static double timed(void (*fn)(long), long n)
{
	double t = now_ns();

	fn(n);
	return now_ns() - t;
}

static void bench(const char *name, void (*fn)(long), double target_ns)
{
	double ns;
	long n;

	/* Pilots 4x longer each until one takes 50 ms: the guest clock may be jiffies. */
	for (n = 100; ; n *= 4) {
		ns = timed(fn, n);
		if (ns >= 50e6 || n >= 100000000)
			break;
	}
	n = (long)(target_ns * n / (ns > 1 ? ns : 1));
	if (n < 100)
		n = 100;
	ns = timed(fn, n);
	printf("BENCH %s_ns %.0f\n", name, ns / n);
	printf("BENCH-INFO %s_iters %ld\n", name, n);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double target_ms = 400;
	pid_t child;
	int opt;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't') {
			fprintf(stderr, "usage: ltd_bench_pipe [-t TARGET_MS]\n");
			return 2;
		}
		target_ms = atof(optarg);
	}
	if (pipe(fds) || pipe(ping) || pipe(pong))
		die("pipe");

	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		char c;

		close(ping[1]);
		close(pong[0]);
		/* Echo every byte back until the parent closes its end. */
		while (read(ping[0], &c, 1) == 1)
			if (write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);

	bench("syscall", loop_syscall, target_ms * 1e6);
	bench("pipe", loop_pipe, target_ms * 1e6);
	bench("pingpong", loop_pingpong, target_ms * 1e6);

	close(ping[1]);
	waitpid(child, NULL, 0);
	return 0;
}
