/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The user-space ABI of the test modules (tests/modules) as their helpers
 * (tests/userspace) use it; included by both sides.
 */
#ifndef _LTD_TEST_ABI_H
#define _LTD_TEST_ABI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The char devices of ures_sample.ko and ures_sample_devm.ko: counts of the
 * driver's file operations since load, and @seq, bumped by every write().
 */
struct ures_sample_stats {
	__u64 opens;
	__u64 reads;
	__u64 writes;
	__u64 ioctls;
	__u64 polls;
	__u64 seq;
};

#define URES_SAMPLE_IOC_STATS	_IOR('U', 0x01, struct ures_sample_stats)
/*
 * Sleep until the next write(); the argument is a timeout in ms, 0: none
 * (each driver bounds it: 10 s for ures_sample, 1 s for ures_sample_devm).
 */
#define URES_SAMPLE_IOC_WAIT	_IO('U', 0x02)

#endif /* _LTD_TEST_ABI_H */
