// SPDX-License-Identifier: GPL-2.0
/*
 * uio_stress: user space on /dev/uioN of QEMU's edu device under
 * uio_pci_generic while the PCI function is unbound and bound again.
 *
 *   uio_stress [-c CYCLES] [-r EVERY] [-t THREADS] DEV DRIVER_DIR BDF
 *	Two sleepers loop on DEV: one open()s and sleeps in a blocking
 *	read(), one in poll() without timeout; only an interrupt or the
 *	device's removal wakes them. THREADS workers (default 4) loop on
 *	DEV: open, then a mix of non-blocking read, read after poll(10 ms),
 *	write(1) (ENOSYS: uio_pci_generic has no irqcontrol), mmap of BAR0
 *	with an ident read and an interrupt raised, waited for (poll, read)
 *	and acked (INTx unmasked again through the config space), munmap,
 *	close. The main thread meanwhile writes BDF to DRIVER_DIR/unbind and
 *	DRIVER_DIR/bind CYCLES times (default 500), waiting after each bind
 *	until DEV opens; with -r, every EVERY-th cycle hot-unplugs the
 *	function (BDF/remove) and rescans the bus instead, which binds it
 *	again through the driver's new_id. One more unbind/bind at the end
 *	wakes the sleepers.
 *	Allowed failures: ENODEV (revoked), ENOENT (node gone), ENXIO (no
 *	cdev), EAGAIN (no event), EINTR, and SIGBUS on a revoked mapping.
 *	Prints one "uio_stress: key=value ..." line; exit 0 if nothing else
 *	failed.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS	32
#define MAP_LEN		4096
#define EDU_IDENT_VAL	0x010000edu

static const char *dev_path;
static char config[512];
static atomic_int stop;

enum { OP_OPEN, OP_READ, OP_POLL, OP_WRITE, OP_MMAP, OP_MMIO, OP_CLOSE, NR_OPS };
static const char *const op_names[NR_OPS] = {
	"open", "read", "poll", "write", "mmap", "mmio", "close",
};
static atomic_long n_ok[NR_OPS], n_enodev[NR_OPS];
static atomic_long n_enoent, n_enxio, n_eagain, n_intr, n_sigbus, n_pollerr;
static atomic_long n_irq, n_intx_fail, n_fail, n_wake_read, n_wake_poll, n_wake_event;

static __thread sigjmp_buf bus_jmp;
static __thread volatile int bus_armed;

static void on_sigbus(int sig)
{
	if (!bus_armed) {
		signal(SIGBUS, SIG_DFL);
		raise(SIGBUS);
	}
	siglongjmp(bus_jmp, 1);
}

static void failure(const char *op, int err)
{
	if (atomic_fetch_add(&n_fail, 1) < 10)
		printf("SCENARIO-FAIL: uio_stress: %s: %s\n", op, strerror(err));
}

/* Count an errno allowed for @op; others are failures. */
static void count_err(int op, int err)
{
	switch (err) {
	case ENODEV:
		n_enodev[op]++;
		break;
	case ENOENT:
		n_enoent++;
		break;
	case ENXIO:
		n_enxio++;
		break;
	case EAGAIN:
		n_eagain++;
		break;
	case EINTR:
		n_intr++;
		break;
	case ENOSYS:
		if (op == OP_WRITE) {
			n_ok[op]++;
			break;
		}
		/* fall through */
	default:
		failure(op_names[op], err);
	}
}

/*
 * Clear PCI_COMMAND_INTX_DISABLE, which the interrupt handler sets. The
 * function may be gone (hot-unplug): failures do not count.
 */
static void intx_on(void)
{
	int cfd = open(config, O_RDWR);
	uint16_t cmd;

	if (cfd < 0)
		return;
	if (pread(cfd, &cmd, 2, 4) == 2) {
		cmd &= ~0x400;
		if (pwrite(cfd, &cmd, 2, 4) != 2)
			n_intx_fail++;
	}
	close(cfd);
}

/* Map BAR0, read the ident, raise and ack an interrupt; SIGBUS allowed. */
static void mmio(int fd)
{
	volatile uint32_t *bar;
	uint32_t v;
	void *p;

	p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		count_err(OP_MMAP, errno);
		return;
	}
	n_ok[OP_MMAP]++;
	bar = p;
	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		n_sigbus++;
	} else {
		bus_armed = 1;
		v = bar[0];
		if (v != EDU_IDENT_VAL) {
			bus_armed = 0;
			printf("SCENARIO-FAIL: uio_stress: ident %#x\n", v);
			n_fail++;
		} else {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int32_t count;

			bar[0x60 / 4] = 0x1;	/* raise an interrupt */
			bus_armed = 0;
			/* Give the handler time to see it before the ack. */
			if (poll(&pfd, 1, 20) == 1 && (pfd.revents & POLLIN) &&
			    read(fd, &count, sizeof(count)) == sizeof(count))
				n_irq++;
			bus_armed = 1;
			bar[0x64 / 4] = bar[0x24 / 4];	/* ack it */
			bus_armed = 0;
			n_ok[OP_MMIO]++;
			intx_on();
		}
	}
	munmap(p, MAP_LEN);
}

/* Sleep in read() (arg 0) or poll() (arg 1) until woken, again and again. */
static void *sleeper(void *arg)
{
	struct pollfd pfd = { .events = POLLIN };
	int32_t val;
	int fd, n;

	while (!stop) {
		fd = open(dev_path, O_RDWR);
		if (fd < 0) {
			count_err(OP_OPEN, errno);
			usleep(1000);
			continue;
		}
		n_ok[OP_OPEN]++;
		/* Set before the last unbind: a later open would never wake. */
		while (!stop) {
			if (!arg) {
				if (read(fd, &val, sizeof(val)) == sizeof(val)) {
					n_ok[OP_READ]++;
					n_wake_event++;
					continue;
				}
				count_err(OP_READ, errno);
				n_wake_read++;
				break;
			}
			pfd.fd = fd;
			n = poll(&pfd, 1, -1);
			if (n < 0) {
				count_err(OP_POLL, errno);
				break;
			}
			if (pfd.revents & (POLLERR | POLLHUP)) {
				n_pollerr++;
				n_wake_poll++;
				break;
			}
			n_ok[OP_POLL]++;
			n_wake_event++;
			if (read(fd, &val, sizeof(val)) == sizeof(val))
				n_ok[OP_READ]++;
			else
				count_err(OP_READ, errno);
		}
		if (close(fd))
			count_err(OP_CLOSE, errno);
		else
			n_ok[OP_CLOSE]++;
	}
	return NULL;
}

static void *worker(void *arg)
{
	unsigned int seed = (uintptr_t)arg;
	int32_t val;
	int fd, i;

	while (!stop) {
		fd = open(dev_path, O_RDWR | O_NONBLOCK);
		if (fd < 0) {
			count_err(OP_OPEN, errno);
			usleep(1000);
			continue;
		}
		n_ok[OP_OPEN]++;
		for (i = 0; i < 8 && !stop; i++) {
			switch (rand_r(&seed) % 4) {
			case 0:
				if (read(fd, &val, sizeof(val)) == sizeof(val))
					n_ok[OP_READ]++;
				else
					count_err(OP_READ, errno);
				break;
			case 1: {
				struct pollfd pfd = { .fd = fd, .events = POLLIN };
				int n = poll(&pfd, 1, 10);

				if (n < 0) {
					count_err(OP_POLL, errno);
				} else if (pfd.revents & (POLLERR | POLLHUP)) {
					n_pollerr++;
				} else {
					n_ok[OP_POLL]++;
					if (!n)
						break;
					if (read(fd, &val, sizeof(val)) == sizeof(val))
						n_ok[OP_READ]++;
					else
						count_err(OP_READ, errno);
				}
				break;
			}
			case 2:
				val = 1;
				if (write(fd, &val, sizeof(val)) == sizeof(val))
					n_ok[OP_WRITE]++;
				else
					count_err(OP_WRITE, errno);
				break;
			case 3:
				mmio(fd);
				break;
			}
		}
		if (close(fd))
			count_err(OP_CLOSE, errno);
		else
			n_ok[OP_CLOSE]++;
	}
	return NULL;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -1;
	close(fd);
	return ret;
}

static char unbind[512], bind[512], remove_file[512];

/* One unbind/bind, or with @unplug one remove/rescan; the failed step. */
static const char *cycle(const char *bdf, int unplug, int c)
{
	if (unplug) {
		if (write_str(remove_file, "1"))
			return "remove";
		if (write_str("/sys/bus/pci/rescan", "1"))
			return "rescan";
		return NULL;
	}
	if (write_str(unbind, bdf))
		return "unbind";
	usleep((c % 5) * 1000);
	if (write_str(bind, bdf))
		return "bind";
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigbus, .sa_flags = SA_NODEFER };
	int cycles = 500, every = 0, threads = 4, opt, c, i, fd = -1, unplugs = 0, unplug;
	pthread_t tid[MAX_THREADS + 2];
	const char *what;
	double t0, t;

	while ((opt = getopt(argc, argv, "c:r:t:")) != -1) {
		switch (opt) {
		case 'c':
			cycles = atoi(optarg);
			break;
		case 'r':
			every = atoi(optarg);
			break;
		case 't':
			threads = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 3 || threads < 1 || threads > MAX_THREADS) {
		fprintf(stderr, "usage: uio_stress [-c CYCLES] [-r EVERY] [-t THREADS] DEV DRIVER_DIR BDF\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev_path = argv[optind];
	snprintf(unbind, sizeof(unbind), "%s/unbind", argv[optind + 1]);
	snprintf(bind, sizeof(bind), "%s/bind", argv[optind + 1]);
	snprintf(config, sizeof(config), "/sys/bus/pci/devices/%s/config", argv[optind + 2]);
	snprintf(remove_file, sizeof(remove_file), "/sys/bus/pci/devices/%s/remove", argv[optind + 2]);
	sigaction(SIGBUS, &sa, NULL);

	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, worker, (void *)(uintptr_t)(i + 1)))
			return 1;
	for (i = 0; i < 2; i++)
		if (pthread_create(&tid[threads + i], NULL, sleeper, (void *)(uintptr_t)i))
			return 1;

	t0 = now();
	for (c = 0; c <= cycles; c++) {
		/* The extra last cycle wakes the sleepers once stop is set. */
		if (c == cycles)
			stop = 1;
		usleep(2000 + (c % 7) * 1000);
		unplug = every && c % every == every - 1 && !stop;
		what = cycle(argv[optind + 2], unplug, c);
		if (what) {
			printf("SCENARIO-FAIL: uio_stress: cycle %d: %s: %s\n", c, what,
			       strerror(errno));
			n_fail++;
			break;
		}
		unplugs += unplug;
		/* The device node appears asynchronously (devtmpfs). */
		for (i = 0; i < 5000; i++) {
			fd = open(dev_path, O_RDONLY);
			if (fd >= 0) {
				close(fd);
				break;
			}
			usleep(1000);
		}
		if (fd < 0) {
			printf("SCENARIO-FAIL: uio_stress: cycle %d: %s did not come back\n",
			       c, dev_path);
			n_fail++;
			break;
		}
		if (c % 100 == 99)
			printf("uio_stress: %d cycles, %.1f s\n", c + 1, now() - t0);
	}
	t = now() - t0;
	stop = 1;
	for (i = 0; i < threads + 2; i++)
		pthread_join(tid[i], NULL);

	if (c > cycles)
		c = cycles;
	printf("uio_stress: cycles=%d unbind_bind=%d remove_rescan=%d threads=%d+2 secs=%.1f",
	       c, c - unplugs, unplugs, threads, t);
	for (i = 0; i < NR_OPS; i++)
		printf(" %s=%ld", op_names[i], (long)n_ok[i]);
	for (i = 0; i < NR_OPS; i++)
		if (n_enodev[i])
			printf(" %s_enodev=%ld", op_names[i], (long)n_enodev[i]);
	printf(" irq_events_read=%ld intx_unmask_failed=%ld", (long)n_irq, (long)n_intx_fail);
	printf(" poll_errhup=%ld sigbus=%ld enoent=%ld enxio=%ld eagain=%ld eintr=%ld"
	       " sleepers_woken_by_event=%ld read_woken_by_removal=%ld poll_woken_by_removal=%ld fail=%ld\n",
	       (long)n_pollerr, (long)n_sigbus, (long)n_enoent, (long)n_enxio,
	       (long)n_eagain, (long)n_intr, (long)n_wake_event, (long)n_wake_read,
	       (long)n_wake_poll, (long)n_fail);
	return n_fail || c < cycles;
}
