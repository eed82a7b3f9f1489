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
 *   untagged_load   an 8-byte READ_ONCE() load from a kmalloc() buffer: plain
 *                   KASAN, the baseline of the two below
 *   tagged_owner_load
 *                   the same load loop over devm_kzalloc() memory of the
 *                   module's own root device, device_lock() held: owner-bound
 *   tagged_foreign_load
 *                   the same over the same memory, a module mutex held: a
 *                   guarded foreign access, recorded at the first load (a
 *                   pilot run's), then found again at every later one (the
 *                   dedup fast path)
 *
 * With the sanitizer on, devm memory is tagged and every load of it goes
 * through kasan_report() into the sanitizer; off, it is untagged and the
 * three load cases run the same code on the same kind of memory. The device
 * goes away at module exit; its teardown takes the module mutex (a devm
 * action), which closes the foreign access: no report.
 *
 * Each prints "ltd_bench: <name> ns_per_op=<ns, 3 decimals> iters=<n>"; one
 * op is one loop iteration. Iterations are calibrated by pilot runs so that
 * each workload takes about target_ms, unless iters= fixes them. Compare
 * boots with lifetime_debug.enabled=0 and =1: only the ratios mean
 * anything under emulation.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kref.h>
#include <linux/lifetime_debug.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
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

/* === Loads of tagged and untagged memory === */

#define LTD_BENCH_WORDS		8	/* 64 bytes: 8 KASAN granules */

static struct device *ltd_bench_dev;	/* root device: owns the devm buffer */
static u64 *ltd_bench_plain;		/* kmalloc(): never tagged */
static u64 *ltd_bench_devm;		/* devm_kzalloc(): tagged when enabled */
static DEFINE_MUTEX(ltd_bench_lock);	/* the foreign loads' guard */
static u64 ltd_bench_sink;

/*
 * The one load loop of all three cases, so that they run the same code: a
 * READ_ONCE() of each word in turn. OPTIMIZER_HIDE_VAR() keeps the compiler
 * from knowing where @p points.
 */
static noinline void ltd_bench_load_loop(const u64 *p, unsigned long n)
{
	unsigned long i;
	u64 sum = 0;

	OPTIMIZER_HIDE_VAR(p);
	for (i = 0; i < n; i++)
		sum += READ_ONCE(p[i % LTD_BENCH_WORDS]);
	WRITE_ONCE(ltd_bench_sink, sum);
}

static noinline void ltd_bench_untagged_load(struct ltd_bench_obj *o, unsigned long n)
{
	ltd_bench_load_loop(ltd_bench_plain, n);
}

static noinline void ltd_bench_tagged_owner_load(struct ltd_bench_obj *o, unsigned long n)
{
	device_lock(ltd_bench_dev);
	ltd_bench_load_loop(ltd_bench_devm, n);
	device_unlock(ltd_bench_dev);
}

static noinline void ltd_bench_tagged_foreign_load(struct ltd_bench_obj *o,
						   unsigned long n)
{
	mutex_lock(&ltd_bench_lock);
	ltd_bench_load_loop(ltd_bench_devm, n);
	mutex_unlock(&ltd_bench_lock);
}

/*
 * A devm action, so it runs in the device's teardown: waiting for the
 * foreign loads there is what makes them safe, and the sanitizer sees it.
 */
static void ltd_bench_sync_loads(void *unused)
{
	mutex_lock(&ltd_bench_lock);
	mutex_unlock(&ltd_bench_lock);
}

static void ltd_bench_mem_free(void)
{
	/* The teardown: devres released, the devm buffer untagged and freed. */
	if (!IS_ERR_OR_NULL(ltd_bench_dev))
		root_device_unregister(ltd_bench_dev);
	ltd_bench_dev = NULL;
	kfree(ltd_bench_plain);
	ltd_bench_plain = NULL;
}

static int ltd_bench_mem_alloc(void)
{
	int i, ret;

	ltd_bench_plain = kcalloc(LTD_BENCH_WORDS, sizeof(u64), GFP_KERNEL);
	if (!ltd_bench_plain)
		return -ENOMEM;
	ltd_bench_dev = root_device_register(KBUILD_MODNAME);
	if (IS_ERR(ltd_bench_dev)) {
		ret = PTR_ERR(ltd_bench_dev);
		goto err;
	}
	ltd_bench_devm = devm_kcalloc(ltd_bench_dev, LTD_BENCH_WORDS, sizeof(u64),
				      GFP_KERNEL);
	if (!ltd_bench_devm) {
		ret = -ENOMEM;
		goto err;
	}
	/* Added after the buffer: released (run) before it is freed. */
	ret = devm_add_action_or_reset(ltd_bench_dev, ltd_bench_sync_loads, NULL);
	if (ret)
		goto err;
	/* Written as the owner: device_lock() held. */
	device_lock(ltd_bench_dev);
	for (i = 0; i < LTD_BENCH_WORDS; i++) {
		ltd_bench_plain[i] = i + 1;
		ltd_bench_devm[i] = i + 1;
	}
	device_unlock(ltd_bench_dev);
	return 0;
err:
	ltd_bench_mem_free();
	return ret;
}

/* === Cases === */

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
	{ "untagged_load", ltd_bench_untagged_load, 0 },
	{ "tagged_owner_load", ltd_bench_tagged_owner_load, 0 },
	{ "tagged_foreign_load", ltd_bench_tagged_foreign_load, 0 },
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
	u64 ns, ps;

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
	/* Picoseconds: a plain load takes a few ns, whole ns would be coarse. */
	ps = div64_u64(ns * 1000, n);
	pr_info("%s ns_per_op=%llu.%03llu iters=%lu total_ms=%llu\n", c->name,
		div64_u64(ps, 1000), ps % 1000, n, div64_u64(ns, NSEC_PER_MSEC));
	return 0;
}

static int __init ltd_bench_init(void)
{
	struct ltd_bench_obj *o;
	int i, ret = 0;

	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	ret = ltd_bench_mem_alloc();
	if (ret) {
		kfree(o);
		return ret;
	}
	pr_info("start lifetime_debug_enabled=%d\n", lifetime_debug_enabled());
	for (i = 0; i < ARRAY_SIZE(ltd_bench_cases) && !ret; i++)
		ret = ltd_bench_run(&ltd_bench_cases[i], o);
	pr_info("done ret=%d\n", ret);
	kfree(o);
	if (ret)
		ltd_bench_mem_free();
	return ret;
}

static void __exit ltd_bench_exit(void)
{
	ltd_bench_mem_free();
}

module_init(ltd_bench_init);
module_exit(ltd_bench_exit);
MODULE_DESCRIPTION("Lifetime sanitizer microbenchmarks: krefs, refcounts, tagged loads");
MODULE_LICENSE("GPL");
