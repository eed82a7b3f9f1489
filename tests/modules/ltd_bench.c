// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer microbenchmarks, run at module load (never a test).
 *
 * Refcounts (struct ltd_bench_obj; "final" cases end at zero each time):
 *   kref_loop       kref_get() + non-final kref_put() on one object
 *   kref_atomic_loop
 *                   the same under a spinlock: puts in atomic context
 *   kref_final      kref_init() + final kref_put() with a trivial release
 *   kref_final_work kmalloc() + kref_init() + final kref_put() whose release
 *                   takes a mutex and kfree()s the object
 *   kref_final_atomic
 *                   kmalloc() + kref_init(), then the final kref_put()
 *                   under a spinlock, its release kfree()s the object
 *   refcount_loop   the same atomics without kref or hook: refcount_inc() +
 *                   __refcount_dec_and_test() (what kref_put() uses)
 *   refcount_final  refcount_set(1) + __refcount_dec_and_test() + release
 *   refcount_dec_and_test_loop
 *                   refcount_inc() + refcount_dec_and_test(): the bare put,
 *                   hooked by call site when the refcount patch is applied
 *
 * Loads (8-byte READ_ONCE() in a loop; "untagged" runs the same loop over
 * kmalloc() memory, "tagged" over devm_kzalloc() memory of the module's
 * root device, which the sanitizer tags when it is on):
 *   untagged_load / tagged_owner_load / tagged_foreign_load
 *                   one 64-byte object; the owner case holds device_lock()
 *                   (owner-bound), the foreign case a module mutex (a
 *                   guarded foreign access, recorded once and found again)
 *   untagged_many_objects_load / tagged_many_objects_load
 *                   64 objects of 64 bytes, one after the other, one load
 *                   site, the module mutex held
 *   untagged_many_sites_load / tagged_many_sites_load
 *                   one object loaded by 16 distinct functions in turn (16
 *                   access sites, each a foreign access of its own), the
 *                   module mutex held
 *   untagged_two_threads_load / tagged_two_threads_load
 *                   the 64-object loop in two kthreads bound to two CPUs at
 *                   once, each under a read-held rwsem; one op is one
 *                   iteration of each thread (wall time / iterations,
 *                   from the moment both threads are ready)
 *
 * With the sanitizer on, every load of tagged memory goes through
 * kasan_report() into the sanitizer; off, nothing is tagged and each
 * tagged case runs the same code as its untagged twin. Compare boots with
 * lifetime_debug.enabled=0 and =1: only the ratios mean anything under
 * emulation.
 *
 * The module also registers /dev/ltd_bench: read() copies up to 4 KiB of
 * devm data with copy_to_user() under the module mutex (tests/bench reads
 * it with ltd_bench_read), and the parameter tag_objects: writing N
 * devm-allocates N more 64-byte objects on the root device (N tags when
 * the sanitizer is on), for measuring the sanitizer's metadata per object.
 *
 * The device goes away at module exit; its teardown takes the module mutex
 * and the rwsem (a devm action), which closes the foreign accesses: no
 * report.
 *
 * Each case prints "ltd_bench: <name> ns_per_op=<ns, 3 decimals> iters=<n>";
 * iterations are calibrated by pilot runs so that each takes about
 * target_ms, unless iters= fixes them; only=<name> runs one case (to
 * profile it, e.g. with perf record -a around the insmod).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/compiler.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/lifetime_debug.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

static unsigned int target_ms = 400;
module_param(target_ms, uint, 0444);
MODULE_PARM_DESC(target_ms, "Wanted run time of each workload in ms (default 400)");

static unsigned long iters;
module_param(iters, ulong, 0444);
MODULE_PARM_DESC(iters, "Iterations per workload; 0 (default) calibrates to target_ms");

static char *only;
module_param(only, charp, 0444);
MODULE_PARM_DESC(only, "Run only the case of this name (for profiling); default all");

#define LTD_BENCH_PILOT		1000UL
#define LTD_BENCH_PILOT_NS	(50 * NSEC_PER_MSEC)
#define LTD_BENCH_MIN_ITERS	1000UL
#define LTD_BENCH_MAX_ITERS	200000000UL

struct ltd_bench_obj {
	struct kref ref;
	refcount_t rc;
};

/* A refcounted object whose final put frees it. */
struct ltd_bench_wobj {
	struct kref ref;
	u64 payload[6];
};

static unsigned long ltd_bench_released;
static DEFINE_MUTEX(ltd_bench_release_lock);	/* taken by the working release */
static DEFINE_SPINLOCK(ltd_bench_spin);		/* the atomic-context puts */

static noinline void ltd_bench_release(struct kref *ref)
{
	WRITE_ONCE(ltd_bench_released, ltd_bench_released + 1);
}

static noinline void ltd_bench_rc_release(refcount_t *rc)
{
	WRITE_ONCE(ltd_bench_released, ltd_bench_released + 1);
}

/* Real work: a mutex, a counter it protects, the memory freed. */
static noinline void ltd_bench_release_work(struct kref *ref)
{
	struct ltd_bench_wobj *w = container_of(ref, struct ltd_bench_wobj, ref);

	mutex_lock(&ltd_bench_release_lock);
	WRITE_ONCE(ltd_bench_released, ltd_bench_released + 1);
	mutex_unlock(&ltd_bench_release_lock);
	kfree(w);
}

/* For puts in atomic context: frees, does not sleep. */
static noinline void ltd_bench_release_free(struct kref *ref)
{
	struct ltd_bench_wobj *w = container_of(ref, struct ltd_bench_wobj, ref);

	WRITE_ONCE(ltd_bench_released, ltd_bench_released + 1);
	kfree(w);
}

static noinline void ltd_bench_kref_loop(struct ltd_bench_obj *o, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		kref_get(&o->ref);
		kref_put(&o->ref, ltd_bench_release);
	}
}

static noinline void ltd_bench_kref_atomic_loop(struct ltd_bench_obj *o, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		spin_lock(&ltd_bench_spin);
		kref_get(&o->ref);
		kref_put(&o->ref, ltd_bench_release);
		spin_unlock(&ltd_bench_spin);
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

/* An allocation failure shows as a missing release (ltd_bench_run()). */
static noinline void ltd_bench_kref_final_work(struct ltd_bench_obj *o, unsigned long n)
{
	struct ltd_bench_wobj *w;
	unsigned long i;

	for (i = 0; i < n; i++) {
		w = kmalloc(sizeof(*w), GFP_KERNEL);
		if (!w)
			return;
		kref_init(&w->ref);
		kref_put(&w->ref, ltd_bench_release_work);
	}
}

static noinline void ltd_bench_kref_final_atomic(struct ltd_bench_obj *o, unsigned long n)
{
	struct ltd_bench_wobj *w;
	unsigned long i;

	for (i = 0; i < n; i++) {
		w = kmalloc(sizeof(*w), GFP_KERNEL);
		if (!w)
			return;
		kref_init(&w->ref);
		spin_lock(&ltd_bench_spin);
		kref_put(&w->ref, ltd_bench_release_free);
		spin_unlock(&ltd_bench_spin);
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

/* === Tagged and untagged memory === */

#define LTD_BENCH_WORDS		8	/* 64 bytes: 8 KASAN granules */
#define LTD_BENCH_OBJS		64	/* objects of the many-objects cases */
#define LTD_BENCH_CDEV_BYTES	4096	/* devm data behind /dev/ltd_bench */

static struct device *ltd_bench_dev;	/* root device: owns the devm memory */
static u64 *ltd_bench_plain;		/* kmalloc(): never tagged */
static u64 *ltd_bench_devm;		/* devm_kzalloc(): tagged when enabled */
static u64 *ltd_bench_plain_objs[LTD_BENCH_OBJS];
static u64 *ltd_bench_devm_objs[LTD_BENCH_OBJS];
static u8 *ltd_bench_cdev_data;		/* devm, read by /dev/ltd_bench */
static DEFINE_MUTEX(ltd_bench_lock);	/* the foreign loads' and reads' guard */
static DECLARE_RWSEM(ltd_bench_rwsem);	/* the two threads' guard, read-held */
static u64 ltd_bench_sink;

/*
 * The one load loop of the one-object cases: a READ_ONCE() of each word
 * in turn. OPTIMIZER_HIDE_VAR() keeps the compiler from knowing where @p
 * points.
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

/* Object i % 64, its word (i / 64) % 8: every object, then the next word. */
static noinline u64 ltd_bench_objs_loop(u64 *const *objs, unsigned long n)
{
	unsigned long i;
	u64 sum = 0;

	OPTIMIZER_HIDE_VAR(objs);
	for (i = 0; i < n; i++)
		sum += READ_ONCE(objs[i % LTD_BENCH_OBJS][(i / LTD_BENCH_OBJS) %
							  LTD_BENCH_WORDS]);
	return sum;
}

/* 16 load sites: distinct functions (the added constant keeps them apart). */
#define LTD_BENCH_SITE(i)						\
static noinline u64 ltd_bench_site##i(const u64 *p)			\
{									\
	return READ_ONCE(p[(i) % LTD_BENCH_WORDS]) + (i);		\
}

LTD_BENCH_SITE(0) LTD_BENCH_SITE(1) LTD_BENCH_SITE(2) LTD_BENCH_SITE(3)
LTD_BENCH_SITE(4) LTD_BENCH_SITE(5) LTD_BENCH_SITE(6) LTD_BENCH_SITE(7)
LTD_BENCH_SITE(8) LTD_BENCH_SITE(9) LTD_BENCH_SITE(10) LTD_BENCH_SITE(11)
LTD_BENCH_SITE(12) LTD_BENCH_SITE(13) LTD_BENCH_SITE(14) LTD_BENCH_SITE(15)

#define LTD_BENCH_SITES		16

static u64 (*const ltd_bench_sites[LTD_BENCH_SITES])(const u64 *p) = {
	ltd_bench_site0, ltd_bench_site1, ltd_bench_site2, ltd_bench_site3,
	ltd_bench_site4, ltd_bench_site5, ltd_bench_site6, ltd_bench_site7,
	ltd_bench_site8, ltd_bench_site9, ltd_bench_site10, ltd_bench_site11,
	ltd_bench_site12, ltd_bench_site13, ltd_bench_site14, ltd_bench_site15,
};

static noinline void ltd_bench_sites_loop(const u64 *p, unsigned long n)
{
	unsigned long i;
	u64 sum = 0;

	OPTIMIZER_HIDE_VAR(p);
	for (i = 0; i < n; i++)
		sum += ltd_bench_sites[i % LTD_BENCH_SITES](p);
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

static noinline void ltd_bench_untagged_many_objects_load(struct ltd_bench_obj *o,
							  unsigned long n)
{
	mutex_lock(&ltd_bench_lock);
	WRITE_ONCE(ltd_bench_sink, ltd_bench_objs_loop(ltd_bench_plain_objs, n));
	mutex_unlock(&ltd_bench_lock);
}

static noinline void ltd_bench_tagged_many_objects_load(struct ltd_bench_obj *o,
							unsigned long n)
{
	mutex_lock(&ltd_bench_lock);
	WRITE_ONCE(ltd_bench_sink, ltd_bench_objs_loop(ltd_bench_devm_objs, n));
	mutex_unlock(&ltd_bench_lock);
}

static noinline void ltd_bench_untagged_many_sites_load(struct ltd_bench_obj *o,
							unsigned long n)
{
	mutex_lock(&ltd_bench_lock);
	ltd_bench_sites_loop(ltd_bench_plain, n);
	mutex_unlock(&ltd_bench_lock);
}

static noinline void ltd_bench_tagged_many_sites_load(struct ltd_bench_obj *o,
						      unsigned long n)
{
	mutex_lock(&ltd_bench_lock);
	ltd_bench_sites_loop(ltd_bench_devm, n);
	mutex_unlock(&ltd_bench_lock);
}

/* === Two threads on two CPUs === */

struct ltd_bench_thread {
	u64 *const *objs;
	unsigned long n;
	u64 sum;
	struct completion ready;	/* the thread runs */
	struct completion *go;		/* start the loop */
	struct completion done;		/* the loop ended */
};

static int ltd_bench_thread_fn(void *data)
{
	struct ltd_bench_thread *t = data;

	complete(&t->ready);
	wait_for_completion(t->go);
	down_read(&ltd_bench_rwsem);
	t->sum = ltd_bench_objs_loop(t->objs, t->n);
	up_read(&ltd_bench_rwsem);
	complete(&t->done);
	return 0;
}

/*
 * Two kthreads bound to the first two online CPUs (both on one if there
 * is only one) run the 64-object loop n times each. Thread creation is
 * not timed: the clock starts when both wait for the go signal and stops
 * when both are done. Returns the elapsed ns, 0 if a thread could not be
 * created.
 */
static noinline u64 ltd_bench_two_threads(u64 *const *objs, unsigned long n)
{
	DECLARE_COMPLETION_ONSTACK(go);
	struct ltd_bench_thread t[2];
	struct task_struct *task[2];
	unsigned int cpu = cpumask_first(cpu_online_mask);
	u64 start, ns;
	int i;

	for (i = 0; i < 2; i++) {
		t[i].objs = objs;
		t[i].n = n;
		t[i].go = &go;
		init_completion(&t[i].ready);
		init_completion(&t[i].done);
		task[i] = kthread_create(ltd_bench_thread_fn, &t[i], "ltd_bench/%d", i);
		if (IS_ERR(task[i])) {
			task[i] = NULL;
			continue;
		}
		kthread_bind(task[i], cpu);
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
	}
	for (i = 0; i < 2; i++)
		if (task[i]) {
			wake_up_process(task[i]);
			wait_for_completion(&t[i].ready);
		}
	start = ktime_get_ns();
	complete_all(&go);
	for (i = 0; i < 2; i++)
		if (task[i]) {
			wait_for_completion(&t[i].done);
			WRITE_ONCE(ltd_bench_sink, t[i].sum);
		}
	ns = ktime_get_ns() - start;
	return task[0] && task[1] ? max_t(u64, ns, 1) : 0;
}

static u64 ltd_bench_untagged_two_threads_load(unsigned long n)
{
	return ltd_bench_two_threads(ltd_bench_plain_objs, n);
}

static u64 ltd_bench_tagged_two_threads_load(unsigned long n)
{
	return ltd_bench_two_threads(ltd_bench_devm_objs, n);
}

/* === /dev/ltd_bench: copy_to_user() from devm memory === */

static ssize_t ltd_bench_cdev_read(struct file *file, char __user *buf, size_t len,
				   loff_t *ppos)
{
	ssize_t ret;

	len = min_t(size_t, len, LTD_BENCH_CDEV_BYTES);
	mutex_lock(&ltd_bench_lock);
	ret = copy_to_user(buf, ltd_bench_cdev_data, len) ? -EFAULT : len;
	mutex_unlock(&ltd_bench_lock);
	return ret;
}

static const struct file_operations ltd_bench_cdev_fops = {
	.owner = THIS_MODULE,
	.read = ltd_bench_cdev_read,
};

static struct miscdevice ltd_bench_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ltd_bench",
	.fops = &ltd_bench_cdev_fops,
};

static bool ltd_bench_misc_registered;

/* === Setup and teardown === */

/*
 * A devm action, so it runs in the device's teardown: waiting for the
 * foreign loads there is what makes them safe, and the sanitizer sees it.
 */
static void ltd_bench_sync_loads(void *unused)
{
	mutex_lock(&ltd_bench_lock);
	mutex_unlock(&ltd_bench_lock);
	down_write(&ltd_bench_rwsem);
	up_write(&ltd_bench_rwsem);
}

static void ltd_bench_mem_free(void)
{
	int i;

	if (ltd_bench_misc_registered)
		misc_deregister(&ltd_bench_misc);
	ltd_bench_misc_registered = false;
	/* The teardown: devres released, the devm memory untagged and freed. */
	if (!IS_ERR_OR_NULL(ltd_bench_dev))
		root_device_unregister(ltd_bench_dev);
	ltd_bench_dev = NULL;
	kfree(ltd_bench_plain);
	ltd_bench_plain = NULL;
	for (i = 0; i < LTD_BENCH_OBJS; i++) {
		kfree(ltd_bench_plain_objs[i]);
		ltd_bench_plain_objs[i] = NULL;
	}
}

static int ltd_bench_mem_alloc(void)
{
	int i, j, ret;

	ltd_bench_plain = kcalloc(LTD_BENCH_WORDS, sizeof(u64), GFP_KERNEL);
	if (!ltd_bench_plain)
		return -ENOMEM;
	for (i = 0; i < LTD_BENCH_OBJS; i++) {
		ltd_bench_plain_objs[i] = kcalloc(LTD_BENCH_WORDS, sizeof(u64), GFP_KERNEL);
		if (!ltd_bench_plain_objs[i]) {
			ret = -ENOMEM;
			goto err;
		}
	}
	ltd_bench_dev = root_device_register(KBUILD_MODNAME);
	if (IS_ERR(ltd_bench_dev)) {
		ret = PTR_ERR(ltd_bench_dev);
		goto err;
	}
	ltd_bench_devm = devm_kcalloc(ltd_bench_dev, LTD_BENCH_WORDS, sizeof(u64),
				      GFP_KERNEL);
	ltd_bench_cdev_data = devm_kzalloc(ltd_bench_dev, LTD_BENCH_CDEV_BYTES, GFP_KERNEL);
	if (!ltd_bench_devm || !ltd_bench_cdev_data) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < LTD_BENCH_OBJS; i++) {
		ltd_bench_devm_objs[i] = devm_kcalloc(ltd_bench_dev, LTD_BENCH_WORDS,
						      sizeof(u64), GFP_KERNEL);
		if (!ltd_bench_devm_objs[i]) {
			ret = -ENOMEM;
			goto err;
		}
	}
	/* Added after the memory: released (run) before it is freed. */
	ret = devm_add_action_or_reset(ltd_bench_dev, ltd_bench_sync_loads, NULL);
	if (ret)
		goto err;
	/* Written as the owner: device_lock() held. */
	device_lock(ltd_bench_dev);
	for (i = 0; i < LTD_BENCH_WORDS; i++) {
		ltd_bench_plain[i] = i + 1;
		ltd_bench_devm[i] = i + 1;
		for (j = 0; j < LTD_BENCH_OBJS; j++) {
			ltd_bench_plain_objs[j][i] = j + i;
			ltd_bench_devm_objs[j][i] = j + i;
		}
	}
	for (i = 0; i < LTD_BENCH_CDEV_BYTES; i++)
		ltd_bench_cdev_data[i] = 'a' + i % 26;
	device_unlock(ltd_bench_dev);
	ret = misc_register(&ltd_bench_misc);
	if (ret)
		goto err;
	ltd_bench_misc_registered = true;
	return 0;
err:
	ltd_bench_mem_free();
	return ret;
}

/* tag_objects: N more devm objects of the root device, freed at unload. */
static unsigned int ltd_bench_extra_objects;

static int ltd_bench_tag_objects_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n, i;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	/* Not at load time: the device comes with init. */
	if (!ltd_bench_dev)
		return -ENODEV;
	for (i = 0; i < n; i++) {
		if (!devm_kzalloc(ltd_bench_dev, LTD_BENCH_WORDS * sizeof(u64), GFP_KERNEL))
			return -ENOMEM;
		ltd_bench_extra_objects++;
	}
	return 0;
}

static const struct kernel_param_ops ltd_bench_tag_objects_ops = {
	.set = ltd_bench_tag_objects_set,
	.get = param_get_uint,
};
module_param_cb(tag_objects, &ltd_bench_tag_objects_ops, &ltd_bench_extra_objects, 0644);
MODULE_PARM_DESC(tag_objects,
		 "Write N after load: devm-allocate N more 64-byte objects; reads the total");

/* === Cases === */

/*
 * One case: @fn timed by ltd_bench_time(), or @timed, which times itself
 * and returns the ns (0: it failed).
 */
struct ltd_bench_case {
	const char *name;
	void (*fn)(struct ltd_bench_obj *o, unsigned long n);
	unsigned long released;	/* releases per iteration */
	u64 (*timed)(unsigned long n);
};

static const struct ltd_bench_case ltd_bench_cases[] = {
	{ "kref_loop", ltd_bench_kref_loop, 0 },
	{ "kref_atomic_loop", ltd_bench_kref_atomic_loop, 0 },
	{ "kref_final", ltd_bench_kref_final, 1 },
	{ "kref_final_work", ltd_bench_kref_final_work, 1 },
	{ "kref_final_atomic", ltd_bench_kref_final_atomic, 1 },
	{ "refcount_loop", ltd_bench_refcount_loop, 0 },
	{ "refcount_final", ltd_bench_refcount_final, 1 },
	{ "refcount_dec_and_test_loop", ltd_bench_refcount_dec_and_test_loop, 0 },
	{ "untagged_load", ltd_bench_untagged_load, 0 },
	{ "tagged_owner_load", ltd_bench_tagged_owner_load, 0 },
	{ "tagged_foreign_load", ltd_bench_tagged_foreign_load, 0 },
	{ "untagged_many_objects_load", ltd_bench_untagged_many_objects_load, 0 },
	{ "tagged_many_objects_load", ltd_bench_tagged_many_objects_load, 0 },
	{ "untagged_many_sites_load", ltd_bench_untagged_many_sites_load, 0 },
	{ "tagged_many_sites_load", ltd_bench_tagged_many_sites_load, 0 },
	{ "untagged_two_threads_load", .timed = ltd_bench_untagged_two_threads_load },
	{ "tagged_two_threads_load", .timed = ltd_bench_tagged_two_threads_load },
};

static u64 ltd_bench_time(const struct ltd_bench_case *c, struct ltd_bench_obj *o,
			  unsigned long n)
{
	u64 start;

	if (c->timed)
		return c->timed(n);
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
			if (!ns || ns >= LTD_BENCH_PILOT_NS || n >= LTD_BENCH_MAX_ITERS)
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
	if (!ns) {
		pr_err("%s: a thread could not be created\n", c->name);
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
	pr_info("start lifetime_debug_enabled=%d cpus=%u\n", lifetime_debug_enabled(),
		num_online_cpus());
	for (i = 0; i < ARRAY_SIZE(ltd_bench_cases) && !ret; i++)
		if (!only || !strcmp(only, ltd_bench_cases[i].name))
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
