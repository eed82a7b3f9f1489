// SPDX-License-Identifier: GPL-2.0
/*
 * ures_i2c: i2c-dev on i2c-stub, upstream and converted to ures
 * (patches/ures/0001), for tests/drivers/ures/i2c-dev.sh and
 * tests/bench/ures. The chip at ADDR is i2c-stub's (chip_addr=ADDR).
 *
 *   ures_i2c stress BUS ADDR SECONDS THREADS
 *	THREADS threads loop, for SECONDS or until SIGTERM: open /dev/i2c-BUS, I2C_SLAVE ADDR,
 *	an SMBus read-byte-data, read() and write() of one byte (refused
 *	by the SMBus-only adapter: EOPNOTSUPP), I2C_FUNCS, close. The adapter comes and goes meanwhile (the caller unloads and
 *	loads i2c-stub): each step may fail with the errors of a removed
 *	adapter (ENOENT, ENXIO, ENODEV on open; ENODEV after), nothing else.
 *	A "holder" thread keeps one file open across removals and counts
 *	the operations that fail with ENODEV on it. Prints the counts;
 *	exit 1 on any other error.
 *   ures_i2c bench BUS ADDR OP TARGET_MS
 *	OP: open (open+close), funcs (ioctl I2C_FUNCS on an open file: no
 *	transfer), smbus (SMBus read-byte-data). Prints "BENCH-NS <ns/op>".
 *   ures_i2c unplug BUS ADDR NFILES MODULE
 *	Opens /dev/i2c-BUS NFILES times (I2C_SLAVE ADDR on each), then
 *	removes the adapter with delete_module(MODULE) and prints
 *	"UNPLUG-US <microseconds>" or "UNPLUG-REFUSED <errno name>"; then,
 *	if it went, every file's SMBus read must fail with ENODEV.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char path[64];
static int addr;
static volatile int stop;

enum { OP_OPEN, OP_SLAVE, OP_SMBUS, OP_READ, OP_WRITE, OP_FUNCS, OP_NR };
static const char *const op_name[OP_NR] = {
	"open", "slave", "smbus", "read", "write", "funcs"
};
static atomic_long ok[OP_NR], gone[OP_NR], bad[OP_NR];
static atomic_long held_enodev, held_ok;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int smbus_read(int fd, unsigned char reg)
{
	union i2c_smbus_data data;
	struct i2c_smbus_ioctl_data args = {
		.read_write = I2C_SMBUS_READ, .command = reg,
		.size = I2C_SMBUS_BYTE_DATA, .data = &data,
	};

	return ioctl(fd, I2C_SMBUS, &args);
}

/*
 * Count one step: an error is fine only if the adapter may be gone, but
 * for read() and write(), which an SMBus-only adapter like i2c-stub
 * refuses with EOPNOTSUPP.
 */
static int step(int op, int ret, int open_op)
{
	if (ret >= 0 || ((op == OP_READ || op == OP_WRITE) && errno == EOPNOTSUPP)) {
		atomic_fetch_add(&ok[op], 1);
		return 0;
	}
	if (errno == ENODEV || (open_op && (errno == ENOENT || errno == ENXIO))) {
		atomic_fetch_add(&gone[op], 1);
		return -1;
	}
	atomic_fetch_add(&bad[op], 1);
	fprintf(stderr, "ures_i2c: %s: unexpected %s\n", op_name[op], strerror(errno));
	return -1;
}

static void *worker(void *arg)
{
	unsigned long funcs;
	char c;
	int fd;

	(void)arg;
	while (!stop) {
		fd = open(path, O_RDWR);
		if (step(OP_OPEN, fd, 1)) {
			usleep(200);
			continue;
		}
		if (!step(OP_SLAVE, ioctl(fd, I2C_SLAVE, addr), 0)) {
			step(OP_SMBUS, smbus_read(fd, 0x10), 0);
			step(OP_READ, read(fd, &c, 1), 0);
			step(OP_WRITE, write(fd, "\x10", 1), 0);
		}
		step(OP_FUNCS, ioctl(fd, I2C_FUNCS, &funcs), 0);
		close(fd);
		/* Leave the removals and loads some CPU: TCG guests are slow. */
		usleep(1000);
	}
	return NULL;
}

/* One file kept open across removals, reopened once its adapter is gone. */
static void *holder(void *arg)
{
	int fd = -1;

	(void)arg;
	while (!stop) {
		if (fd < 0) {
			fd = open(path, O_RDWR);
			if (fd < 0 || ioctl(fd, I2C_SLAVE, addr) < 0) {
				if (fd >= 0)
					close(fd);
				fd = -1;
				usleep(1000);
				continue;
			}
		}
		if (smbus_read(fd, 0x10) >= 0) {
			atomic_fetch_add(&held_ok, 1);
		} else if (errno == ENODEV) {
			atomic_fetch_add(&held_enodev, 1);
			close(fd);
			fd = -1;
		} else {
			atomic_fetch_add(&bad[OP_SMBUS], 1);
			fprintf(stderr, "ures_i2c: held file: unexpected %s\n", strerror(errno));
		}
		usleep(500);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int stress(int secs, int nthreads)
{
	pthread_t t[65];
	long nbad = 0;
	int i;

	if (nthreads < 1 || nthreads > 64)
		return 2;
	signal(SIGTERM, on_term);
	for (i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	pthread_create(&t[nthreads], NULL, holder, NULL);
	for (i = 0; i < secs * 10 && !stop; i++)
		usleep(100000);
	stop = 1;
	for (i = 0; i <= nthreads; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < OP_NR; i++) {
		printf("stress: %-5s ok %ld, adapter gone %ld, unexpected %ld\n", op_name[i],
		       atomic_load(&ok[i]), atomic_load(&gone[i]), atomic_load(&bad[i]));
		nbad += atomic_load(&bad[i]);
	}
	printf("stress: held file: ok %ld, ENODEV after a removal %ld\n",
	       atomic_load(&held_ok), atomic_load(&held_enodev));
	return nbad ? 1 : 0;
}

static uint64_t run_op(const char *op, long n)
{
	unsigned long funcs;
	uint64_t t0;
	long i;
	int fd = -1;

	if (strcmp(op, "open")) {
		fd = open(path, O_RDWR);
		if (fd < 0 || ioctl(fd, I2C_SLAVE, addr) < 0) {
			perror(path);
			exit(1);
		}
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (!strcmp(op, "open")) {
			fd = open(path, O_RDWR);
			if (fd < 0) {
				perror(path);
				exit(1);
			}
			close(fd);
		} else if (!strcmp(op, "funcs")) {
			if (ioctl(fd, I2C_FUNCS, &funcs) < 0) {
				perror("I2C_FUNCS");
				exit(1);
			}
		} else if (!strcmp(op, "smbus")) {
			if (smbus_read(fd, i & 0x7f) < 0) {
				perror("I2C_SMBUS");
				exit(1);
			}
		} else {
			fprintf(stderr, "ures_i2c: unknown op %s\n", op);
			exit(2);
		}
	}
	t0 = now_ns() - t0;
	if (strcmp(op, "open"))
		close(fd);
	return t0;
}

/* Calibrated like ltd_bench_drv: pilot runs to about TARGET_MS. */
static int bench(const char *op, long target_ms)
{
	uint64_t ns;
	long n = 64;

	for (;;) {
		ns = run_op(op, n);
		if (ns >= (uint64_t)target_ms * 1000000 / 4 || n >= (1L << 26))
			break;
		n *= 4;
	}
	n = (long)((double)n * target_ms * 1e6 / (ns ? ns : 1)) + 1;
	ns = run_op(op, n);
	printf("BENCH-NS %.1f\n", (double)ns / n);
	printf("BENCH-ITERS %ld\n", n);
	return 0;
}

static int unplug(int nfiles, const char *module)
{
	int fds[64], i, bad = 0;
	uint64_t t0;
	long r;

	if (nfiles < 0 || nfiles > 64)
		return 2;
	for (i = 0; i < nfiles; i++) {
		fds[i] = open(path, O_RDWR);
		if (fds[i] < 0 || ioctl(fds[i], I2C_SLAVE, addr) < 0 || smbus_read(fds[i], 0) < 0) {
			perror(path);
			return 1;
		}
	}
	t0 = now_ns();
	r = syscall(SYS_delete_module, module, O_NONBLOCK);
	t0 = now_ns() - t0;
	if (r) {
		printf("UNPLUG-REFUSED %s\n", strerrorname_np(errno));
	} else {
		printf("UNPLUG-US %.1f\n", t0 / 1000.0);
		for (i = 0; i < nfiles; i++) {
			if (smbus_read(fds[i], 0) >= 0 || errno != ENODEV) {
				fprintf(stderr, "ures_i2c: file %d after removal: %s\n", i,
					strerror(errno));
				bad = 1;
			}
		}
	}
	for (i = 0; i < nfiles; i++)
		close(fds[i]);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		goto usage;
	snprintf(path, sizeof(path), "/dev/i2c-%s", argv[2]);
	addr = strtol(argv[3], NULL, 0);
	if (!strcmp(argv[1], "stress") && argc == 6)
		return stress(atoi(argv[4]), atoi(argv[5]));
	if (!strcmp(argv[1], "bench") && argc == 6)
		return bench(argv[4], atol(argv[5]));
	if (!strcmp(argv[1], "unplug") && argc == 6)
		return unplug(atoi(argv[4]), argv[5]);
usage:
	fprintf(stderr, "usage: ures_i2c stress BUS ADDR SECONDS THREADS\n"
		"       ures_i2c bench BUS ADDR open|funcs|smbus TARGET_MS\n"
		"       ures_i2c unplug BUS ADDR NFILES MODULE\n");
	return 2;
}
