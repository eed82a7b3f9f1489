// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer microbenchmarks, run at module load (never a test):
 *   kref_loop       kref_get() + non-final kref_put() on one object
 *   kref_final      kref_init() + final kref_put() with a trivial release
 *   refcount_loop   the same atomics without kref or hook: refcount_inc() +
 *                   __refcount_dec_and_test() (what kref_put() uses)
 *   refcount_final  refcount_set(1) + __refcount_dec_and_test() + release
 *   refcount_dec_and_test_loop
 *                   refcount_inc() + refcount_dec_and_test(): the bare put,
 *                   hooked by call site when the refcount patch is applied
 *
 * Each prints "ltd_bench: <name> ns_per_op=<ns> iters=<n>"; one op is one
 * loop iteration. Iterations are calibrated by pilot runs so that each
 * workload takes about target_ms, unless iters= fixes them. Compare
 * boots with lifetime_debug.enabled=0 and =1: only the ratios mean
 * anything under emulation.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kref.h>
#include <linux/lifetime_debug.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

static unsigned int target_ms = 400;
module_param(target_ms, uint, 0444);
MODULE_PARM_DESC(target_ms, "Wanted run time of each workload in ms (default 400)");

static unsigned long iters;
module_param(iters, ulong, 0444);
MODULE_PARM_DESC(iters, "Iterations per workload; 0 (default) calibrates to target_ms");

#define LTD_BENCH_PILOT		1000UL
#define LTD_BENCH_PILOT_NS	(50 * NSEC_PER_MSEC)
#define LTD_BENCH_MIN_ITERS	1000UL
#define LTD_BENCH_MAX_ITERS	200000000UL

struct ltd_bench_obj {
	struct kref ref;
	refcount_t rc;
};

static unsigned long ltd_bench_released;

static noinline void ltd_bench_release(struct kref *ref)
{
	WRITE_ONCE(ltd_bench_released, ltd_bench_released + 1);
}

static noinline void ltd_bench_rc_release(refcount_t *rc)
{
	WRITE_ONCE(ltd_bench_released, ltd_bench_released + 1);
}

static noinline void ltd_bench_kref_loop(struct ltd_bench_obj *o, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		kref_get(&o->ref);
		kref_put(&o->ref, ltd_bench_release);
	}
}

static noinline void ltd_bench_kref_final(struct ltd_bench_obj *o, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		kref_init(&o->ref);
		kref_put(&o->ref, ltd_bench_release);
	}
}

static noinline void ltd_bench_refcount_loop(struct ltd_bench_obj *o, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		refcount_inc(&o->rc);
		if (__refcount_dec_and_test(&o->rc, NULL))
			ltd_bench_rc_release(&o->rc);
	}
}

static noinline void ltd_bench_refcount_final(struct ltd_bench_obj *o, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		refcount_set(&o->rc, 1);
		if (__refcount_dec_and_test(&o->rc, NULL))
			ltd_bench_rc_release(&o->rc);
	}
}

static noinline void ltd_bench_refcount_dec_and_test_loop(struct ltd_bench_obj *o,
							  unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		refcount_inc(&o->rc);
		if (refcount_dec_and_test(&o->rc))
			ltd_bench_rc_release(&o->rc);
	}
}

struct ltd_bench_case {
	const char *name;
	void (*fn)(struct ltd_bench_obj *o, unsigned long n);
	unsigned long released;	/* releases per iteration */
};

static const struct ltd_bench_case ltd_bench_cases[] = {
	{ "kref_loop", ltd_bench_kref_loop, 0 },
	{ "kref_final", ltd_bench_kref_final, 1 },
	{ "refcount_loop", ltd_bench_refcount_loop, 0 },
	{ "refcount_final", ltd_bench_refcount_final, 1 },
	{ "refcount_dec_and_test_loop", ltd_bench_refcount_dec_and_test_loop, 0 },
};

static u64 ltd_bench_time(const struct ltd_bench_case *c, struct ltd_bench_obj *o,
			  unsigned long n)
{
	u64 start;

	start = ktime_get_ns();
	c->fn(o, n);
	return ktime_get_ns() - start;
}

static int ltd_bench_run(const struct ltd_bench_case *c, struct ltd_bench_obj *o)
{
	unsigned long n = iters, before;
	u64 ns;

	/* Every case starts from one reference (the final cases end at 0). */
	kref_init(&o->ref);
	refcount_set(&o->rc, 1);
	if (!n) {
		/*
		 * Pilot runs, 4x longer each until one takes 50 ms: the clock
		 * may tick only every jiffy (QEMU TCG: no usable TSC). They
		 * also take one-time costs (class creation) out.
		 */
		for (n = LTD_BENCH_PILOT; ; n *= 4) {
			ns = ltd_bench_time(c, o, n);
			if (ns >= LTD_BENCH_PILOT_NS || n >= LTD_BENCH_MAX_ITERS)
				break;
		}
		n = div64_u64((u64)target_ms * NSEC_PER_MSEC * n, max_t(u64, ns, 1));
		n = clamp(n, LTD_BENCH_MIN_ITERS, LTD_BENCH_MAX_ITERS);
	}
	before = READ_ONCE(ltd_bench_released);
	ns = ltd_bench_time(c, o, n);
	if (READ_ONCE(ltd_bench_released) - before != c->released * n) {
		pr_err("%s: %lu releases, want %lu\n", c->name,
		       READ_ONCE(ltd_bench_released) - before, c->released * n);
		return -EIO;
	}
	pr_info("%s ns_per_op=%llu iters=%lu total_ms=%llu\n", c->name,
		div64_u64(ns, n), n, div64_u64(ns, NSEC_PER_MSEC));
	return 0;
}

static int __init ltd_bench_init(void)
{
	struct ltd_bench_obj *o;
	int i, ret = 0;

	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	pr_info("start lifetime_debug_enabled=%d\n", lifetime_debug_enabled());
	for (i = 0; i < ARRAY_SIZE(ltd_bench_cases) && !ret; i++)
		ret = ltd_bench_run(&ltd_bench_cases[i], o);
	pr_info("done ret=%d\n", ret);
	kfree(o);
	return ret;
}

static void __exit ltd_bench_exit(void)
{
}

module_init(ltd_bench_init);
module_exit(ltd_bench_exit);
MODULE_DESCRIPTION("Lifetime sanitizer kref microbenchmarks");
MODULE_LICENSE("GPL");
