// SPDX-License-Identifier: GPL-2.0
/*
 * ures_stress: exercise a ures_sample-style char device while its driver is
 * unbound and bound again.
 *
 *   ures_stress stress [-t THREADS] [-d SECONDS] [-p POLL_MS] [-w] [-W] DEV
 *	THREADS threads loop open/read/ioctl/poll[/write]/close on DEV until
 *	SIGTERM/SIGINT or SECONDS. -W adds a thread that sleeps in the WAIT
 *	ioctl without timeout, which only revocation (or a write) ends.
 *	Allowed failures: ENODEV (revoked), ENOENT (node gone), ENXIO (no
 *	cdev / module going), EINTR (stopping). Anything else fails.
 *	Prints one "ures_stress: key=value ..." line; exit 0 if no failure.
 *
 *   ures_stress revoked [-m] DEV UNBIND_FILE DEVICE
 *	Open DEV (and with -m map its two pages), put a thread to sleep in
 *	the WAIT ioctl, write DEVICE to UNBIND_FILE, then check that the
 *	sleeper returned ENODEV, read/ioctl/write fail with ENODEV, poll
 *	reports POLLERR|POLLHUP (and the mapping raises SIGBUS). Exit 0 if so.
 *
 *   ures_stress hold DEV UNBIND_FILE DEVICE
 *	Open DEV, unbind, then read/ioctl/poll/close and print what happened
 *	without judging (for the unconverted driver, where this is the bug).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ltd_test_abi.h"

#define MAX_THREADS	64
#define OPS_PER_OPEN	4

static const char *dev_path;
static int poll_ms = 10;
static int do_write;
static atomic_int stop;

static atomic_long n_loops, n_opens, n_reads, n_ioctls, n_polls, n_writes;
static atomic_long n_waits, n_enodev, n_pollhup, n_enoent, n_enxio, n_intr;
static atomic_long n_closes, n_fail;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_wake(int sig)
{
	(void)sig;
}

static void failure(const char *op, int err)
{
	if (atomic_fetch_add(&n_fail, 1) < 10)
		fprintf(stderr, "ures_stress: FAIL: %s: %s (errno %d)\n", op,
			strerror(err), err);
}

/* Classify a failed call; returns 1 if the device is revoked or gone. */
static int check_errno(const char *op, int err)
{
	switch (err) {
	case ENODEV:
		atomic_fetch_add(&n_enodev, 1);
		return 1;
	case EINTR:
		atomic_fetch_add(&n_intr, 1);
		return 1;
	default:
		failure(op, err);
		return 1;
	}
}

static int open_dev(void)
{
	int fd = open(dev_path, O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		atomic_fetch_add(&n_opens, 1);
		return fd;
	}
	switch (errno) {
	case ENOENT:
		atomic_fetch_add(&n_enoent, 1);
		break;
	case ENXIO:
		atomic_fetch_add(&n_enxio, 1);
		break;
	case ENODEV:
		atomic_fetch_add(&n_enodev, 1);
		break;
	case EINTR:
		atomic_fetch_add(&n_intr, 1);
		break;
	default:
		failure("open", errno);
	}
	usleep(1000);
	return -1;
}

static void close_dev(int fd)
{
	/* A proxied flush() may report the revocation. */
	if (close(fd) < 0 && errno != ENODEV && errno != EINTR)
		failure("close", errno);
	atomic_fetch_add(&n_closes, 1);
}

static void *stress_thread(void *arg)
{
	struct ures_sample_stats st;
	char buf[512];
	int fd, i;

	(void)arg;
	while (!stop) {
		atomic_fetch_add(&n_loops, 1);
		fd = open_dev();
		if (fd < 0)
			continue;
		for (i = 0; i < OPS_PER_OPEN && !stop; i++) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int r;

			if (pread(fd, buf, sizeof(buf), 0) < 0) {
				if (check_errno("read", errno))
					break;
			}
			atomic_fetch_add(&n_reads, 1);

			if (ioctl(fd, URES_SAMPLE_IOC_STATS, &st) < 0) {
				if (check_errno("ioctl", errno))
					break;
			}
			atomic_fetch_add(&n_ioctls, 1);

			r = poll(&pfd, 1, poll_ms);
			if (r < 0) {
				if (check_errno("poll", errno))
					break;
			} else if (r > 0 && (pfd.revents & POLLNVAL)) {
				failure("poll: POLLNVAL", EBADF);
				break;
			} else if (r > 0 && (pfd.revents & (POLLERR | POLLHUP))) {
				atomic_fetch_add(&n_pollhup, 1);
				break;
			}
			atomic_fetch_add(&n_polls, 1);

			if (do_write) {
				if (write(fd, "ures_stress\n", 12) < 0) {
					if (check_errno("write", errno))
						break;
				}
				atomic_fetch_add(&n_writes, 1);
			}
		}
		close_dev(fd);
	}
	return NULL;
}

static void *wait_thread(void *arg)
{
	int fd;

	(void)arg;
	while (!stop) {
		fd = open_dev();
		if (fd < 0)
			continue;
		/* Sleeps until revocation wakes it (or a write, or a signal). */
		while (!stop && ioctl(fd, URES_SAMPLE_IOC_WAIT, 0UL) == 0)
			;
		if (!stop) {
			atomic_fetch_add(&n_waits, 1);
			if (errno == EINTR)
				atomic_fetch_add(&n_intr, 1);
			else if (errno == ENODEV)
				atomic_fetch_add(&n_enodev, 1);
			else
				failure("wait ioctl", errno);
		}
		close_dev(fd);
	}
	return NULL;
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_wake;
	sigaction(SIGUSR1, &sa, NULL);
}

static int run_stress(int nthreads, int seconds, int waiter)
{
	pthread_t tid[MAX_THREADS + 1];
	struct timespec start, now;
	int i, n = 0, alive;

	install_handlers();
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < nthreads; i++)
		if (!pthread_create(&tid[n], NULL, stress_thread, NULL))
			n++;
	if (waiter && !pthread_create(&tid[n], NULL, wait_thread, NULL))
		n++;
	if (n < nthreads + waiter) {
		fprintf(stderr, "ures_stress: FAIL: could not start threads\n");
		stop = 1;
		atomic_fetch_add(&n_fail, 1);
	}

	while (!stop) {
		usleep(50000);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds && now.tv_sec - start.tv_sec >= seconds)
			stop = 1;
	}
	/* Kick threads out of blocking calls until they are all gone. */
	do {
		alive = 0;
		for (i = 0; i < n; i++) {
			if (!tid[i])
				continue;
			if (pthread_tryjoin_np(tid[i], NULL) == 0) {
				tid[i] = 0;
				continue;
			}
			pthread_kill(tid[i], SIGUSR1);
			alive++;
		}
		if (alive)
			usleep(10000);
	} while (alive);

	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("ures_stress: threads=%d seconds=%ld loops=%ld opens=%ld",
	       nthreads + waiter, (long)(now.tv_sec - start.tv_sec),
	       atomic_load(&n_loops), atomic_load(&n_opens));
	printf(" closes=%ld reads=%ld ioctls=%ld polls=%ld writes=%ld",
	       atomic_load(&n_closes), atomic_load(&n_reads),
	       atomic_load(&n_ioctls), atomic_load(&n_polls),
	       atomic_load(&n_writes));
	printf(" waits=%ld enodev=%ld pollhup=%ld enoent=%ld enxio=%ld",
	       atomic_load(&n_waits), atomic_load(&n_enodev),
	       atomic_load(&n_pollhup), atomic_load(&n_enoent),
	       atomic_load(&n_enxio));
	printf(" eintr=%ld failures=%ld\n", atomic_load(&n_intr),
	       atomic_load(&n_fail));
	return atomic_load(&n_fail) ? 1 : 0;
}

/* === revoked / hold === */

static int checks_failed;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("ures_stress: %s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		checks_failed++;
}

static int unbind(const char *unbind_file, const char *device)
{
	int fd = open(unbind_file, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, device, strlen(device));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

struct waiter {
	int fd;
	int ret;
	int err;
	atomic_int done;
};

static void *revoked_wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = ioctl(w->fd, URES_SAMPLE_IOC_WAIT, 0UL);
	w->err = errno;
	atomic_store(&w->done, 1);
	return NULL;
}

static sigjmp_buf sigbus_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(sigbus_env, 1);
}

static char touch_sink;

/* Touch one byte; returns 1 if that raised SIGBUS. */
static int touch_sigbus(char *p)
{
	struct sigaction sa, old;
	int bus = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_env, 1))
		bus = 1;
	else
		touch_sink = __atomic_load_n(p, __ATOMIC_RELAXED);
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static int run_revoked(const char *unbind_file, const char *device, int map)
{
	struct ures_sample_stats st = { 0 };
	struct pollfd pfd;
	struct waiter w = { .fd = -1 };
	pthread_t tid;
	long psize = sysconf(_SC_PAGESIZE);
	char *mem = MAP_FAILED;
	char buf[256];
	ssize_t n;
	int fd, r, i;

	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ures_stress: FAIL: open %s: %s\n", dev_path,
			strerror(errno));
		return 1;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	check(n > 0, "read before unbind returned %zd", n);
	r = ioctl(fd, URES_SAMPLE_IOC_STATS, &st);
	check(r == 0, "ioctl before unbind (opens=%llu)",
	      (unsigned long long)st.opens);
	if (map) {
		mem = mmap(NULL, 2 * psize, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		check(mem != MAP_FAILED, "mmap before unbind");
		if (mem != MAP_FAILED) {
			mem[0] = 'u';
			check(mem[0] == 'u' && !touch_sigbus(mem),
			      "page 0 usable before unbind");
		}
	}

	w.fd = fd;
	atomic_store(&w.done, 0);
	r = pthread_create(&tid, NULL, revoked_wait_thread, &w);
	check(r == 0, "sleeper thread started");
	usleep(200000);
	check(!atomic_load(&w.done), "sleeper is blocked in the WAIT ioctl");

	r = unbind(unbind_file, device);
	check(r == 0, "unbind %s via %s: %s", device, unbind_file,
	      r ? strerror(-r) : "done");

	for (i = 0; i < 1000 && !atomic_load(&w.done); i++)
		usleep(10000);
	check(atomic_load(&w.done), "sleeper woken by the revocation");
	if (atomic_load(&w.done)) {
		pthread_join(tid, NULL);
		check(w.ret < 0 && w.err == ENODEV,
		      "sleeper got ENODEV (ret %d, %s)", w.ret, strerror(w.err));
	}

	n = pread(fd, buf, sizeof(buf), 0);
	check(n < 0 && errno == ENODEV, "read after unbind: %zd (%s)", n,
	      n < 0 ? strerror(errno) : "success");
	r = ioctl(fd, URES_SAMPLE_IOC_STATS, &st);
	check(r < 0 && errno == ENODEV, "ioctl after unbind: %d (%s)", r,
	      r < 0 ? strerror(errno) : "success");
	n = write(fd, "x", 1);
	check(n < 0 && errno == ENODEV, "write after unbind: %zd (%s)", n,
	      n < 0 ? strerror(errno) : "success");
	pfd.fd = fd;
	pfd.events = POLLIN | POLLOUT;
	pfd.revents = 0;
	r = poll(&pfd, 1, 0);
	check(r == 1 && (pfd.revents & POLLERR) && (pfd.revents & POLLHUP),
	      "poll after unbind: %d revents 0x%x (want POLLERR|POLLHUP)", r,
	      pfd.revents);
	if (mem != MAP_FAILED) {
		check(touch_sigbus(mem), "page 0 raises SIGBUS after unbind");
		check(touch_sigbus(mem + psize),
		      "page 1 raises SIGBUS after unbind");
		check(munmap(mem, 2 * psize) == 0, "munmap after unbind");
	}
	r = close(fd);
	check(r == 0 || errno == ENODEV, "close after unbind: %d", r);
	printf("ures_stress: revoked: %d check(s) failed\n", checks_failed);
	return checks_failed ? 1 : 0;
}

static int run_hold(const char *unbind_file, const char *device)
{
	struct ures_sample_stats st = { 0 };
	struct pollfd pfd;
	char buf[256];
	ssize_t n;
	int fd, r;

	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ures_stress: FAIL: open %s: %s\n", dev_path,
			strerror(errno));
		return 1;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	printf("ures_stress: hold: read before unbind: %zd\n", n);
	r = unbind(unbind_file, device);
	printf("ures_stress: hold: unbind: %s\n", r ? strerror(-r) : "done");
	n = pread(fd, buf, sizeof(buf), 0);
	printf("ures_stress: hold: read after unbind: %zd (%s)\n", n,
	       n < 0 ? strerror(errno) : "success");
	r = ioctl(fd, URES_SAMPLE_IOC_STATS, &st);
	printf("ures_stress: hold: ioctl after unbind: %d (%s) reads=%llu\n",
	       r, r < 0 ? strerror(errno) : "success",
	       (unsigned long long)st.reads);
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	r = poll(&pfd, 1, 0);
	printf("ures_stress: hold: poll after unbind: %d revents 0x%x\n", r,
	       pfd.revents);
	r = close(fd);
	printf("ures_stress: hold: close: %d\n", r);
	return 0;
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: ures_stress stress [-t THREADS] [-d SECONDS] [-p POLL_MS] [-w] [-W] DEV\n"
		"       ures_stress revoked [-m] DEV UNBIND_FILE DEVICE\n"
		"       ures_stress hold DEV UNBIND_FILE DEVICE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int nthreads = 4, seconds = 0, waiter = 0, map = 0, opt;
	const char *mode;

	if (argc < 2)
		print_usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "t:d:p:wWm")) != -1) {
		switch (opt) {
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'd':
			seconds = atoi(optarg);
			break;
		case 'p':
			poll_ms = atoi(optarg);
			break;
		case 'w':
			do_write = 1;
			break;
		case 'W':
			waiter = 1;
			break;
		case 'm':
			map = 1;
			break;
		default:
			print_usage();
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS || optind >= argc)
		print_usage();
	dev_path = argv[optind];
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(mode, "stress") && optind + 1 == argc)
		return run_stress(nthreads, seconds, waiter);
	if (!strcmp(mode, "revoked") && optind + 3 == argc)
		return run_revoked(argv[optind + 1], argv[optind + 2], map);
	if (!strcmp(mode, "hold") && optind + 3 == argc)
		return run_hold(argv[optind + 1], argv[optind + 2]);
	print_usage();
	return 2;
}
