// SPDX-License-Identifier: GPL-2.0
/*
 * ltd_bench_read: read loops on character devices for tests/bench (a
 * benchmark, not a test).
 *
 *   ltd_bench_read [-t TARGET_MS] [-s SIZE] [-o] NAME=PATH...
 *	For each NAME=PATH: open PATH once, then pread() SIZE bytes (default
 *	64) at offset 0 in a loop calibrated by pilot runs to take about
 *	TARGET_MS (default 400); with -o, each iteration opens PATH, read()s
 *	SIZE bytes and closes it (for files that cannot seek, such as
 *	debugfs attributes). Every read must return data. Prints
 *	"BENCH <NAME>_ns <ns per read>", "BENCH-INFO <NAME>_iters <n>" and
 *	"BENCH-INFO <NAME>_bytes <bytes one read returns>" and
 *	"BENCH-INFO <NAME>_reads <reads done, pilot runs included>".
 *
 * tests/bench/guest.sh runs it on /dev/ltd_dom of ltd_domain_scenarios
 * variant=mutex (each read copies devm data under a mutex: a guarded
 * foreign access to tagged memory when the sanitizer is on) and on
 * /dev/zero, which touches no tagged memory.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fd;
static int reopen;
static size_t size = 64;
static char buf[4096];
static ssize_t last;
static long total;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "ltd_bench_read: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void loop_read(long n, const char *path)
{
	for (long i = 0; i < n; i++) {
		if (reopen) {
			fd = open(path, O_RDONLY);
			if (fd < 0)
				die("open", path);
			last = read(fd, buf, size);
			close(fd);
		} else {
			last = pread(fd, buf, size, 0);
		}
		if (last <= 0) {
			if (!last)
				errno = ENODATA;
			die(reopen ? "read" : "pread", path);
		}
	}
	total += n;
}

static double timed(long n, const char *path)
{
	double t = now_ns();

	loop_read(n, path);
	return now_ns() - t;
}

static void bench(const char *name, const char *path, double target_ns)
{
	double ns;
	long n;

	total = 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open", path);
	if (reopen)
		close(fd);
	/* Pilots 4x longer each until one takes 50 ms: the guest clock may be jiffies. */
	for (n = 100; ; n *= 4) {
		ns = timed(n, path);
		if (ns >= 50e6 || n >= 100000000)
			break;
	}
	n = (long)(target_ns * n / (ns > 1 ? ns : 1));
	if (n < 100)
		n = 100;
	ns = timed(n, path);
	if (!reopen)
		close(fd);
	printf("BENCH %s_ns %.1f\n", name, ns / n);
	printf("BENCH-INFO %s_iters %ld\n", name, n);
	printf("BENCH-INFO %s_bytes %zd\n", name, last);
	printf("BENCH-INFO %s_reads %ld\n", name, total);
	fflush(stdout);
}

static void bad_args(void)
{
	fprintf(stderr, "usage: ltd_bench_read [-t TARGET_MS] [-s SIZE] [-o] NAME=PATH...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double target_ms = 400;
	int opt;

	while ((opt = getopt(argc, argv, "t:s:o")) != -1) {
		switch (opt) {
		case 't':
			target_ms = atof(optarg);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			if (!size || size > sizeof(buf))
				bad_args();
			break;
		case 'o':
			reopen = 1;
			break;
		default:
			bad_args();
		}
	}
	if (optind == argc)
		bad_args();
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i] || !eq[1])
			bad_args();
		*eq = '\0';
		bench(argv[i], eq + 1, target_ms * 1e6);
	}
	return 0;
}
