// SPDX-License-Identifier: GPL-2.0
/*
 * ltd_bench_tsc: the TSC frequency of this machine in kHz, measured against
 * CLOCK_MONOTONIC_RAW over half a second. Run on the host by tests/bench/run:
 * a TCG guest's TSC is the host's, so with tsc_early_khz=<this> (and
 * tsc=reliable) the guest keeps time with the TSC instead of jiffies, which
 * lose ticks whenever QEMU's vCPU threads wait for a host CPU.
 */

#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
	double t0 = now(), t1;
	unsigned long long c0 = __rdtsc(), c1;

	while (now() - t0 < 0.5)
		;
	c1 = __rdtsc();
	t1 = now();
	printf("%.0f\n", (c1 - c0) / (t1 - t0) / 1000);
	return 0;
}
