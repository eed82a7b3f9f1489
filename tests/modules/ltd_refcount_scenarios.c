// SPDX-License-Identifier: GPL-2.0
/*
 * Refcount-class scenarios for the lifetime sanitizer, run at module load:
 *   scenario=cycle  put under mutex M of a class whose release takes M
 *   scenario=sleeping  a non-final put under a spinlock of a refcount
 *                   whose release takes a mutex
 *   scenario=types  100 refcount types, each put once (100 classes, or the
 *                   fallback class past the budget); unloading the module
 *                   unregisters them
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

static char *scenario = "types";
module_param(scenario, charp, 0444);
MODULE_PARM_DESC(scenario, "cycle | sleeping | types");

struct obj {
	struct kref ref;
};

static DEFINE_MUTEX(ltd_scenario_mutex);

static noinline void ltd_cycle_release(struct kref *ref)
{
	mutex_lock(&ltd_scenario_mutex);
	kfree(container_of(ref, struct obj, ref));
	mutex_unlock(&ltd_scenario_mutex);
}

/* Non-final put under M (M -> class), then the final put (class -> M). */
static int run_cycle(void)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return -ENOMEM;
	kref_init(&o->ref);
	kref_get(&o->ref);
	mutex_lock(&ltd_scenario_mutex);
	kref_put(&o->ref, ltd_cycle_release);
	mutex_unlock(&ltd_scenario_mutex);
	kref_put(&o->ref, ltd_cycle_release);
	pr_info("cycle: done\n");
	return 0;
}

static DEFINE_SPINLOCK(ltd_scenario_lock);

static noinline void ltd_demo_release(struct kref *ref)
{
	mutex_lock(&ltd_scenario_mutex);	/* may sleep */
	kfree(container_of(ref, struct obj, ref));
	mutex_unlock(&ltd_scenario_mutex);
}

static noinline int ltd_demo_put_under_lock(struct obj *o)
{
	int ret;

	spin_lock(&ltd_scenario_lock);
	ret = kref_put(&o->ref, ltd_demo_release);	/* not final here, but could be */
	spin_unlock(&ltd_scenario_lock);
	return ret;
}

/* One object released in process context teaches the class that it sleeps. */
static int run_sleeping(void)
{
	struct obj *a = kzalloc(sizeof(*a), GFP_KERNEL);
	struct obj *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!a || !b) {
		kfree(a);
		kfree(b);
		return -ENOMEM;
	}
	kref_init(&a->ref);
	kref_put(&a->ref, ltd_demo_release);
	kref_init(&b->ref);
	kref_get(&b->ref);
	ltd_demo_put_under_lock(b);
	kref_put(&b->ref, ltd_demo_release);
	pr_info("sleeping: done\n");
	return 0;
}

static int types_released;

#define RELEASE(n)						\
static noinline void ltd_type_release_##n(struct kref *ref)	\
{								\
	types_released++;					\
}
#define R10(n) RELEASE(n##0) RELEASE(n##1) RELEASE(n##2) RELEASE(n##3) \
	RELEASE(n##4) RELEASE(n##5) RELEASE(n##6) RELEASE(n##7) RELEASE(n##8) RELEASE(n##9)
R10(1) R10(2) R10(3) R10(4) R10(5) R10(6) R10(7) R10(8) R10(9) R10(10)

#define E(n) ltd_type_release_##n,
#define E10(n) E(n##0) E(n##1) E(n##2) E(n##3) E(n##4) E(n##5) E(n##6) E(n##7) E(n##8) E(n##9)
static void (*const releases[])(struct kref *) = {
	E10(1) E10(2) E10(3) E10(4) E10(5) E10(6) E10(7) E10(8) E10(9) E10(10)
};

static int run_types(void)
{
	struct obj o;
	int i;

	for (i = 0; i < ARRAY_SIZE(releases); i++) {
		kref_init(&o.ref);
		kref_put(&o.ref, releases[i]);
	}
	pr_info("types: %d types put, %d released\n", (int)ARRAY_SIZE(releases),
		types_released);
	return types_released == ARRAY_SIZE(releases) ? 0 : -EIO;
}

static int __init ltd_refcount_scenarios_init(void)
{
	if (!strcmp(scenario, "cycle"))
		return run_cycle();
	if (!strcmp(scenario, "sleeping"))
		return run_sleeping();
	if (!strcmp(scenario, "types"))
		return run_types();
	pr_err("unknown scenario '%s'\n", scenario);
	return -EINVAL;
}

static void __exit ltd_refcount_scenarios_exit(void)
{
}

module_init(ltd_refcount_scenarios_init);
module_exit(ltd_refcount_scenarios_exit);
MODULE_DESCRIPTION("Lifetime sanitizer refcount-class scenarios");
MODULE_LICENSE("GPL");
