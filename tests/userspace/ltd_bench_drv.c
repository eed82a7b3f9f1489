// SPDX-License-Identifier: GPL-2.0
/*
 * ltd_bench_drv: loops through real in-tree drivers for tests/bench (a
 * benchmark, not a test). tests/bench/guest.sh sets the drivers up.
 *
 *   ltd_bench_drv [-t TARGET_MS] NAME WORKLOAD ARGS...
 *	gpio CHIPDEV LINE
 *		GPIO character device, v2 uAPI: LINE requested as an output
 *		(GPIO_V2_GET_LINE_IOCTL); one op sets it to the other value
 *		(GPIO_V2_LINE_SET_VALUES_IOCTL) and reads it back
 *		(GPIO_V2_LINE_GET_VALUES_IOCTL), which must match
 *	i2c I2CDEV ADDR
 *		i2c-dev: one op is an SMBus write-byte-data to register
 *		i % 128 of the chip at ADDR and a read-byte-data of it back
 *		(I2C_SMBUS), which must match
 *	input
 *		uinput + evdev: a uinput keyboard with KEY_A; one op writes a
 *		key event and a SYN_REPORT into /dev/uinput and reads both
 *		back from the device's /dev/input/eventN
 *	udp TXIF RXIF BCAST PORT
 *		one op is a 64-byte UDP broadcast to BCAST:PORT sent by a
 *		socket bound to TXIF and received by a socket bound to RXIF
 *		(netdevsim's linked ports: xmit, then the peer's NAPI)
 *
 *	Each loop is calibrated by pilot runs to take about TARGET_MS
 *	(default 400). Prints "BENCH NAME_ns <ns per op>" and
 *	"BENCH-INFO NAME_iters <n>" (and NAME_lost for udp).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <linux/input.h>
#include <linux/uinput.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *name;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "ltd_bench_drv: %s: %s: %s\n", name, what, strerror(errno));
	exit(1);
}

static void bad(const char *what)
{
	fprintf(stderr, "ltd_bench_drv: %s: %s\n", name, what);
	exit(1);
}

/* === gpio === */

static int gpio_fd;

static void loop_gpio(long n)
{
	struct gpio_v2_line_values v;

	for (long i = 0; i < n; i++) {
		v.mask = 1;
		v.bits = i & 1;
		if (ioctl(gpio_fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v))
			die("GPIO_V2_LINE_SET_VALUES_IOCTL");
		v.bits = !(i & 1);
		if (ioctl(gpio_fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v))
			die("GPIO_V2_LINE_GET_VALUES_IOCTL");
		if ((v.bits & 1) != (i & 1))
			bad("line read back the wrong value");
	}
}

static void setup_gpio(char **argv)
{
	struct gpio_v2_line_request req;
	int chip = open(argv[0], O_RDWR);

	if (chip < 0)
		die(argv[0]);
	memset(&req, 0, sizeof(req));
	req.offsets[0] = strtoul(argv[1], NULL, 0);
	req.num_lines = 1;
	req.config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
	strcpy(req.consumer, "ltd_bench");
	if (ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req))
		die("GPIO_V2_GET_LINE_IOCTL");
	close(chip);
	gpio_fd = req.fd;
}

/* === i2c === */

static int i2c_fd;

static int smbus(char rw, unsigned char reg, int size, union i2c_smbus_data *d)
{
	struct i2c_smbus_ioctl_data a = {
		.read_write = rw, .command = reg, .size = size, .data = d,
	};

	return ioctl(i2c_fd, I2C_SMBUS, &a);
}

static void loop_i2c(long n)
{
	union i2c_smbus_data d;

	for (long i = 0; i < n; i++) {
		d.byte = i & 0xff;
		if (smbus(I2C_SMBUS_WRITE, i & 0x7f, I2C_SMBUS_BYTE_DATA, &d))
			die("I2C_SMBUS write byte data");
		d.byte = ~i & 0xff;
		if (smbus(I2C_SMBUS_READ, i & 0x7f, I2C_SMBUS_BYTE_DATA, &d))
			die("I2C_SMBUS read byte data");
		if (d.byte != (i & 0xff))
			bad("register read back the wrong value");
	}
}

static void setup_i2c(char **argv)
{
	i2c_fd = open(argv[0], O_RDWR);
	if (i2c_fd < 0)
		die(argv[0]);
	if (ioctl(i2c_fd, I2C_SLAVE, strtoul(argv[1], NULL, 0)))
		die("I2C_SLAVE");
}

/* === input === */

static int uinput_fd, evdev_fd;

static void emit(struct input_event *ev, int type, int code, int value)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->code = code;
	ev->value = value;
}

static void loop_input(long n)
{
	struct input_event ev[2], got[8];
	struct pollfd p = { .fd = evdev_fd, .events = POLLIN };

	for (long i = 0; i < n; i++) {
		int seen = 0, syn = 0;

		/* Press and release in turn: a repeated value is dropped. */
		emit(&ev[0], EV_KEY, KEY_A, !(i & 1));
		emit(&ev[1], EV_SYN, SYN_REPORT, 0);
		if (write(uinput_fd, ev, sizeof(ev)) != sizeof(ev))
			die("write /dev/uinput");
		while (!syn) {
			ssize_t r;

			if (poll(&p, 1, 2000) != 1)
				bad("no event from evdev within 2 s");
			r = read(evdev_fd, got, sizeof(got));
			if (r < (ssize_t)sizeof(got[0]))
				die("read evdev");
			for (int k = 0; k < r / (ssize_t)sizeof(got[0]); k++) {
				if (got[k].type == EV_KEY && got[k].code == KEY_A &&
				    got[k].value == !(i & 1))
					seen = 1;
				if (got[k].type == EV_SYN && got[k].code == SYN_REPORT)
					syn = 1;
			}
		}
		if (!seen)
			bad("evdev did not see the key event");
	}
}

static void setup_input(void)
{
	struct uinput_setup us;
	char sys[64], path[512];
	int tries;

	uinput_fd = open("/dev/uinput", O_WRONLY);
	if (uinput_fd < 0)
		die("/dev/uinput");
	if (ioctl(uinput_fd, UI_SET_EVBIT, EV_KEY) || ioctl(uinput_fd, UI_SET_KEYBIT, KEY_A))
		die("UI_SET_*BIT");
	memset(&us, 0, sizeof(us));
	us.id.bustype = BUS_VIRTUAL;
	us.id.vendor = 0x1234;
	us.id.product = 0x5679;
	strcpy(us.name, "ltd_bench");
	if (ioctl(uinput_fd, UI_DEV_SETUP, &us) || ioctl(uinput_fd, UI_DEV_CREATE))
		die("UI_DEV_SETUP/UI_DEV_CREATE");
	if (ioctl(uinput_fd, UI_GET_SYSNAME(sizeof(sys)), sys) < 0)
		die("UI_GET_SYSNAME");
	/* The evdev node: /sys/devices/virtual/input/inputN/eventM, /dev/input/eventM. */
	for (tries = 0; tries < 100; tries++) {
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/sys/devices/virtual/input/%s", sys);
		d = opendir(path);
		if (d) {
			while ((de = readdir(d)))
				if (!strncmp(de->d_name, "event", 5))
					break;
			if (de) {
				snprintf(path, sizeof(path), "/dev/input/%s", de->d_name);
				closedir(d);
				evdev_fd = open(path, O_RDONLY);
				if (evdev_fd >= 0)
					return;
			} else {
				closedir(d);
			}
		}
		usleep(50000);
	}
	bad("no evdev node for the uinput device");
}

/* === udp === */

static int udp_tx, udp_rx;
static struct sockaddr_in udp_dst;
static long udp_lost;

static void loop_udp(long n)
{
	char buf[64] = "ltd_bench", in[128];

	for (long i = 0; i < n; i++) {
		if (sendto(udp_tx, buf, sizeof(buf), 0, (struct sockaddr *)&udp_dst,
			   sizeof(udp_dst)) != sizeof(buf))
			die("sendto");
		if (recv(udp_rx, in, sizeof(in), 0) != sizeof(buf)) {
			if (errno != EAGAIN)
				die("recv");
			if (++udp_lost > 100)
				bad("more than 100 datagrams lost");
		}
	}
}

static int udp_socket(const char *ifname)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

	if (s < 0)
		die("socket");
	if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname)))
		die("SO_BINDTODEVICE");
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	return s;
}

static void setup_udp(char **argv)
{
	struct timeval tv = { .tv_sec = 1 };
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1;

	udp_tx = udp_socket(argv[0]);
	udp_rx = udp_socket(argv[1]);
	if (setsockopt(udp_tx, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)))
		die("SO_BROADCAST");
	if (setsockopt(udp_rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die("SO_RCVTIMEO");
	a.sin_port = htons(atoi(argv[3]));
	if (bind(udp_rx, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	udp_dst.sin_family = AF_INET;
	udp_dst.sin_port = a.sin_port;
	if (inet_pton(AF_INET, argv[2], &udp_dst.sin_addr) != 1)
		bad("bad broadcast address");
}

/* === Calibration === */

static double timed(void (*fn)(long), long n)
{
	double t = now_ns();

	fn(n);
	return now_ns() - t;
}

static void bench(void (*fn)(long), double target_ns)
{
	double ns;
	long n;

	/* Pilots 4x longer each until one takes 50 ms; they also warm up. */
	for (n = 10; ; n *= 4) {
		ns = timed(fn, n);
		if (ns >= 50e6 || n >= 100000000)
			break;
	}
	n = (long)(target_ns * n / (ns > 1 ? ns : 1));
	if (n < 10)
		n = 10;
	ns = timed(fn, n);
	printf("BENCH %s_ns %.1f\n", name, ns / n);
	printf("BENCH-INFO %s_iters %ld\n", name, n);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: ltd_bench_drv [-t TARGET_MS] NAME gpio CHIPDEV LINE\n"
		"       ltd_bench_drv [-t TARGET_MS] NAME i2c I2CDEV ADDR\n"
		"       ltd_bench_drv [-t TARGET_MS] NAME input\n"
		"       ltd_bench_drv [-t TARGET_MS] NAME udp TXIF RXIF BCAST PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double target_ms = 400;
	const char *w;
	int opt, nargs;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			usage();
		target_ms = atof(optarg);
	}
	if (argc - optind < 2)
		usage();
	name = argv[optind];
	w = argv[optind + 1];
	argv += optind + 2;
	nargs = argc - optind - 2;
	if (!strcmp(w, "gpio") && nargs == 2) {
		setup_gpio(argv);
		bench(loop_gpio, target_ms * 1e6);
	} else if (!strcmp(w, "i2c") && nargs == 2) {
		setup_i2c(argv);
		bench(loop_i2c, target_ms * 1e6);
	} else if (!strcmp(w, "input") && nargs == 0) {
		setup_input();
		bench(loop_input, target_ms * 1e6);
		ioctl(uinput_fd, UI_DEV_DESTROY);
	} else if (!strcmp(w, "udp") && nargs == 4) {
		setup_udp(argv);
		bench(loop_udp, target_ms * 1e6);
		printf("BENCH-INFO %s_lost %ld\n", name, udp_lost);
	} else {
		usage();
	}
	return 0;
}
