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

RELEASE(0)
RELEASE(1)
RELEASE(2)
RELEASE(3)
RELEASE(4)
RELEASE(5)
RELEASE(6)
RELEASE(7)
RELEASE(8)
RELEASE(9)
RELEASE(10)
RELEASE(11)
RELEASE(12)
RELEASE(13)
RELEASE(14)
RELEASE(15)
RELEASE(16)
RELEASE(17)
RELEASE(18)
RELEASE(19)
RELEASE(20)
RELEASE(21)
RELEASE(22)
RELEASE(23)
RELEASE(24)
RELEASE(25)
RELEASE(26)
RELEASE(27)
RELEASE(28)
RELEASE(29)
RELEASE(30)
RELEASE(31)
RELEASE(32)
RELEASE(33)
RELEASE(34)
RELEASE(35)
RELEASE(36)
RELEASE(37)
RELEASE(38)
RELEASE(39)
RELEASE(40)
RELEASE(41)
RELEASE(42)
RELEASE(43)
RELEASE(44)
RELEASE(45)
RELEASE(46)
RELEASE(47)
RELEASE(48)
RELEASE(49)
RELEASE(50)
RELEASE(51)
RELEASE(52)
RELEASE(53)
RELEASE(54)
RELEASE(55)
RELEASE(56)
RELEASE(57)
RELEASE(58)
RELEASE(59)
RELEASE(60)
RELEASE(61)
RELEASE(62)
RELEASE(63)
RELEASE(64)
RELEASE(65)
RELEASE(66)
RELEASE(67)
RELEASE(68)
RELEASE(69)
RELEASE(70)
RELEASE(71)
RELEASE(72)
RELEASE(73)
RELEASE(74)
RELEASE(75)
RELEASE(76)
RELEASE(77)
RELEASE(78)
RELEASE(79)
RELEASE(80)
RELEASE(81)
RELEASE(82)
RELEASE(83)
RELEASE(84)
RELEASE(85)
RELEASE(86)
RELEASE(87)
RELEASE(88)
RELEASE(89)
RELEASE(90)
RELEASE(91)
RELEASE(92)
RELEASE(93)
RELEASE(94)
RELEASE(95)
RELEASE(96)
RELEASE(97)
RELEASE(98)
RELEASE(99)

static void (*const releases[])(struct kref *) = {
	ltd_type_release_0,
	ltd_type_release_1,
	ltd_type_release_2,
	ltd_type_release_3,
	ltd_type_release_4,
	ltd_type_release_5,
	ltd_type_release_6,
	ltd_type_release_7,
	ltd_type_release_8,
	ltd_type_release_9,
	ltd_type_release_10,
	ltd_type_release_11,
	ltd_type_release_12,
	ltd_type_release_13,
	ltd_type_release_14,
	ltd_type_release_15,
	ltd_type_release_16,
	ltd_type_release_17,
	ltd_type_release_18,
	ltd_type_release_19,
	ltd_type_release_20,
	ltd_type_release_21,
	ltd_type_release_22,
	ltd_type_release_23,
	ltd_type_release_24,
	ltd_type_release_25,
	ltd_type_release_26,
	ltd_type_release_27,
	ltd_type_release_28,
	ltd_type_release_29,
	ltd_type_release_30,
	ltd_type_release_31,
	ltd_type_release_32,
	ltd_type_release_33,
	ltd_type_release_34,
	ltd_type_release_35,
	ltd_type_release_36,
	ltd_type_release_37,
	ltd_type_release_38,
	ltd_type_release_39,
	ltd_type_release_40,
	ltd_type_release_41,
	ltd_type_release_42,
	ltd_type_release_43,
	ltd_type_release_44,
	ltd_type_release_45,
	ltd_type_release_46,
	ltd_type_release_47,
	ltd_type_release_48,
	ltd_type_release_49,
	ltd_type_release_50,
	ltd_type_release_51,
	ltd_type_release_52,
	ltd_type_release_53,
	ltd_type_release_54,
	ltd_type_release_55,
	ltd_type_release_56,
	ltd_type_release_57,
	ltd_type_release_58,
	ltd_type_release_59,
	ltd_type_release_60,
	ltd_type_release_61,
	ltd_type_release_62,
	ltd_type_release_63,
	ltd_type_release_64,
	ltd_type_release_65,
	ltd_type_release_66,
	ltd_type_release_67,
	ltd_type_release_68,
	ltd_type_release_69,
	ltd_type_release_70,
	ltd_type_release_71,
	ltd_type_release_72,
	ltd_type_release_73,
	ltd_type_release_74,
	ltd_type_release_75,
	ltd_type_release_76,
	ltd_type_release_77,
	ltd_type_release_78,
	ltd_type_release_79,
	ltd_type_release_80,
	ltd_type_release_81,
	ltd_type_release_82,
	ltd_type_release_83,
	ltd_type_release_84,
	ltd_type_release_85,
	ltd_type_release_86,
	ltd_type_release_87,
	ltd_type_release_88,
	ltd_type_release_89,
	ltd_type_release_90,
	ltd_type_release_91,
	ltd_type_release_92,
	ltd_type_release_93,
	ltd_type_release_94,
	ltd_type_release_95,
	ltd_type_release_96,
	ltd_type_release_97,
	ltd_type_release_98,
	ltd_type_release_99,
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
