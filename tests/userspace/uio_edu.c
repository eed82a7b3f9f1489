// SPDX-License-Identifier: GPL-2.0
/*
 * uio_edu: drive QEMU's edu PCI device through uio_pci_generic (/dev/uioN).
 *
 *   uio_edu use DEV
 *	Ordinary use: map BAR0 (mmap offset 0 = maps/map0), check the
 *	identification and liveness registers, then three times: unmask
 *	INTx, raise an interrupt (0x60), wait for it with poll(), read() the
 *	event count, check the status (0x24) and ack it (0x64). A
 *	non-blocking read() without an event gets EAGAIN. uio_pci_generic
 *	has no irqcontrol(): write() fails with ENOSYS, and user space
 *	unmasks INTx in the command register (uio-howto), here through
 *	/sys/class/uio/uioN/device/config.
 *
 *   uio_edu hold DEV READY_FILE
 *	Open DEV, map BAR0, dup() the fd and fork() a child that shares the
 *	file and the mapping; put one thread to sleep in read() and one in
 *	poll(), create READY_FILE and wait (60 s at most) for both to return,
 *	which only the device's removal should cause. Then parent and child
 *	use the stale file (read, write, poll, mmap) and the old mapping, and
 *	print what they got. Exit 0 if the sleepers returned with an error,
 *	every operation failed with ENODEV (poll: POLLERR|POLLHUP) and every
 *	access to the old mapping raised SIGBUS.
 *
 *   uio_edu mapwait DEV READY_FILE GO_FILE
 *	Map BAR0, create READY_FILE, wait for GO_FILE, then read the
 *	identification register through the old mapping and print what
 *	happened, without judging (to compare with the unconverted uio).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EDU_IDENT	0x00
#define EDU_LIVE	0x04
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_IDENT_VAL	0x010000edu
#define MAP_LEN		4096

static const char *who = "uio_edu";
static int failed;

#define say(...) do { printf("%s: ", who); printf(__VA_ARGS__); \
		      putchar('\n'); fflush(stdout); } while (0)
#define bad(...) do { printf("SCENARIO-FAIL: %s: ", who); printf(__VA_ARGS__); \
		      putchar('\n'); fflush(stdout); failed = 1; } while (0)

static void die(const char *what)
{
	printf("SCENARIO-FAIL: %s: %s: %s\n", who, what, strerror(errno));
	exit(1);
}

static uint32_t rd(volatile uint32_t *bar, unsigned int off)
{
	return bar[off / 4];
}

static void wr(volatile uint32_t *bar, unsigned int off, uint32_t val)
{
	bar[off / 4] = val;
}

static volatile uint32_t *map_bar0(int fd)
{
	void *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap map0");
	return p;
}

static char config[256];

/* The PCI config space of DEV's function, found while DEV exists. */
static void find_config(const char *dev)
{
	const char *name = strrchr(dev, '/');
	char link[256], *path;

	snprintf(link, sizeof(link), "/sys/class/uio/%s/device/config",
		 name ? name + 1 : dev);
	path = realpath(link, NULL);
	if (!path)
		die("config space of the device");
	snprintf(config, sizeof(config), "%s", path);
	free(path);
}

/* Clear PCI_COMMAND_INTX_DISABLE, which the interrupt handler sets. */
static void irq_on(int fd)
{
	uint16_t cmd;
	int cfd = open(config, O_RDWR);

	if (cfd < 0 || pread(cfd, &cmd, 2, 4) != 2)
		die("read the command register");
	cmd &= ~0x400;
	if (pwrite(cfd, &cmd, 2, 4) != 2)
		die("write the command register");
	close(cfd);
}

static int use(const char *dev)
{
	volatile uint32_t *bar;
	struct pollfd pfd;
	int32_t count, last = -1;
	uint32_t v;
	int fd, i, n;

	find_config(dev);
	fd = open(dev, O_RDWR);
	if (fd < 0)
		die("open");
	bar = map_bar0(fd);
	v = rd(bar, EDU_IDENT);
	if (v != EDU_IDENT_VAL)
		bad("ident %#x, expected %#x", v, EDU_IDENT_VAL);
	wr(bar, EDU_LIVE, 0x12345678);
	v = rd(bar, EDU_LIVE);
	if (v != ~0x12345678u)
		bad("liveness reads %#x after writing 0x12345678", v);
	say("ident %#x, liveness %#x", rd(bar, EDU_IDENT), v);

	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		die("O_NONBLOCK");
	n = read(fd, &count, sizeof(count));
	if (n >= 0 || errno != EAGAIN)
		bad("non-blocking read without an event: %d (%s)", n, strerror(errno));
	if (fcntl(fd, F_SETFL, 0) < 0)
		die("clear O_NONBLOCK");
	count = 1;
	n = write(fd, &count, sizeof(count));
	if (n >= 0 || errno != ENOSYS)
		bad("write(1) without irqcontrol(): %d (%s)", n, strerror(errno));
	say("write(1): ENOSYS (uio_pci_generic has no irqcontrol)");

	for (i = 0; i < 3; i++) {
		irq_on(fd);
		wr(bar, EDU_IRQ_RAISE, 0x100 + i);
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		n = poll(&pfd, 1, 10000);
		if (n != 1 || !(pfd.revents & POLLIN))
			bad("poll after raising an interrupt: %d revents %#x", n, pfd.revents);
		if (read(fd, &count, sizeof(count)) != sizeof(count))
			die("read event count");
		if (count == last)
			bad("event count did not move: %d", count);
		v = rd(bar, EDU_IRQ_STATUS);
		if (v != 0x100u + i)
			bad("irq status %#x, expected %#x", v, 0x100 + i);
		wr(bar, EDU_IRQ_ACK, v);
		say("interrupt %d: poll revents %#x, event count %d, status %#x, acked",
		    i, pfd.revents, count, v);
		last = count;
	}
	irq_on(fd);
	if (rd(bar, EDU_IRQ_STATUS))
		bad("irq status %#x after ack", rd(bar, EDU_IRQ_STATUS));
	munmap((void *)bar, MAP_LEN);
	close(fd);
	return failed;
}

/* === hold: the device goes away under open files and mappings === */

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* Read the ident through a mapping; -1 on SIGBUS. */
static long touch(volatile uint32_t *bar)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	long v;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		v = -1;
	else
		v = rd(bar, EDU_IDENT);
	sigaction(SIGBUS, &old, NULL);
	return v;
}

static int fd_main;

struct sleeper {
	int ret, err;
	short revents;
	double secs;
	int done;
};

static struct sleeper rsl, psl;
static pthread_mutex_t sl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sl_cond = PTHREAD_COND_INITIALIZER;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleeper_done(struct sleeper *s, int ret, int err, double t0)
{
	pthread_mutex_lock(&sl_lock);
	s->ret = ret;
	s->err = err;
	s->secs = now() - t0;
	s->done = 1;
	pthread_cond_broadcast(&sl_cond);
	pthread_mutex_unlock(&sl_lock);
}

static void *reader(void *arg)
{
	double t0 = now();
	int32_t count;
	int ret;

	ret = read(fd_main, &count, sizeof(count));
	sleeper_done(&rsl, ret, ret < 0 ? errno : 0, t0);
	return NULL;
}

static void *poller(void *arg)
{
	struct pollfd pfd = { .fd = fd_main, .events = POLLIN };
	double t0 = now();
	int ret;

	ret = poll(&pfd, 1, -1);
	psl.revents = pfd.revents;
	sleeper_done(&psl, ret, ret < 0 ? errno : 0, t0);
	return NULL;
}

static const char *errname(int err)
{
	static char buf[32];

	switch (err) {
	case 0: return "ok";
	case ENODEV: return "ENODEV";
	case EIO: return "EIO";
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	case ENXIO: return "ENXIO";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* The stale file and mapping, as seen from one process. */
static void stale(int fd, volatile uint32_t *bar)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int32_t val = 1;
	long v;
	void *p;
	int n;

	n = read(fd, &val, sizeof(val));
	say("stale read: %s", n < 0 ? errname(errno) : "succeeded");
	if (n >= 0 || errno != ENODEV)
		bad("stale read: %d (%s)", n, strerror(errno));
	n = write(fd, &val, sizeof(val));
	say("stale write: %s", n < 0 ? errname(errno) : "succeeded");
	if (n >= 0 || errno != ENODEV)
		bad("stale write: %d (%s)", n, strerror(errno));
	n = poll(&pfd, 1, 1000);
	say("stale poll: %d revents %#x", n, pfd.revents);
	if (n != 1 || (pfd.revents & (POLLERR | POLLHUP)) != (POLLERR | POLLHUP))
		bad("stale poll: %d revents %#x", n, pfd.revents);
	p = mmap(NULL, MAP_LEN, PROT_READ, MAP_SHARED, fd, 0);
	say("stale mmap: %s", p == MAP_FAILED ? errname(errno) : "succeeded");
	if (p != MAP_FAILED || errno != ENODEV)
		bad("stale mmap: %s", p == MAP_FAILED ? strerror(errno) : "succeeded");
	v = touch(bar);
	if (v < 0)
		say("old mapping: SIGBUS");
	else
		bad("old mapping still reads %#lx", v);
}

static int hold(const char *dev, const char *ready)
{
	volatile uint32_t *bar;
	pthread_t rt, pt;
	struct timespec dl;
	int go[2], fd2, st, ok;
	char c;
	pid_t pid;

	find_config(dev);
	fd_main = open(dev, O_RDWR);
	if (fd_main < 0)
		die("open");
	bar = map_bar0(fd_main);
	if (rd(bar, EDU_IDENT) != EDU_IDENT_VAL)
		bad("ident %#x", rd(bar, EDU_IDENT));
	irq_on(fd_main);
	fd2 = dup(fd_main);
	if (fd2 < 0 || pipe(go))
		die("dup/pipe");

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		who = "uio_edu child";
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			die("child: wait for the parent");
		stale(fd_main, bar);
		close(fd_main);
		close(fd2);
		exit(failed);
	}
	close(go[0]);

	if (pthread_create(&rt, NULL, reader, NULL) ||
	    pthread_create(&pt, NULL, poller, NULL))
		die("pthread_create");
	usleep(200000);
	if (rsl.done || psl.done)
		bad("a sleeper returned before the device went: read %d, poll %d",
		    rsl.ret, psl.ret);
	if (close(open(ready, O_CREAT | O_WRONLY, 0644)))
		die("ready file");
	say("holding: fd %d and dup %d, child %d, BAR0 mapped, a reader in read() and a poller in poll()",
	    fd_main, fd2, pid);

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 60;
	pthread_mutex_lock(&sl_lock);
	ok = 0;
	while (!(rsl.done && psl.done) && !ok)
		ok = pthread_cond_timedwait(&sl_cond, &sl_lock, &dl);
	pthread_mutex_unlock(&sl_lock);
	if (!rsl.done || !psl.done) {
		bad("sleepers not woken within 60 s (read %s, poll %s)",
		    rsl.done ? "returned" : "asleep", psl.done ? "returned" : "asleep");
		exit(1);
	}
	pthread_join(rt, NULL);
	pthread_join(pt, NULL);
	say("blocked read() woken after %.1f s: %d (%s)", rsl.secs, rsl.ret, errname(rsl.err));
	if (rsl.ret >= 0 || rsl.err != ENODEV)
		bad("blocked read returned %d (%s)", rsl.ret, strerror(rsl.err));
	say("blocked poll() woken after %.1f s: %d revents %#x", psl.secs, psl.ret, psl.revents);
	if (psl.ret != 1 || !(psl.revents & (POLLERR | POLLHUP)))
		bad("blocked poll returned %d revents %#x", psl.ret, psl.revents);

	stale(fd_main, bar);
	who = "uio_edu dup";
	stale(fd2, bar);
	who = "uio_edu";
	if (write(go[1], "g", 1) != 1)
		die("release the child");
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		bad("child: status %#x", st);
	munmap((void *)bar, MAP_LEN);
	close(fd2);
	close(fd_main);
	say("closed the stale files");
	return failed;
}

static int mapwait(const char *dev, const char *ready, const char *gofile)
{
	volatile uint32_t *bar;
	long v;
	int fd;

	fd = open(dev, O_RDWR);
	if (fd < 0)
		die("open");
	bar = map_bar0(fd);
	say("mapped, ident %#x", rd(bar, EDU_IDENT));
	if (close(open(ready, O_CREAT | O_WRONLY, 0644)))
		die("ready file");
	while (access(gofile, F_OK))
		usleep(20000);
	v = touch(bar);
	if (v < 0)
		say("after the device went: the old mapping raises SIGBUS");
	else
		say("after the device went: the old mapping still reads %#010lx at offset 0, no SIGBUS", v);
	munmap((void *)bar, MAP_LEN);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "use"))
		return use(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "mapwait"))
		return mapwait(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: uio_edu use DEV | hold DEV READY | mapwait DEV READY GO\n");
	return 2;
}
