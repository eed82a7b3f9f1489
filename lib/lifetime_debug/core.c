// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer core: the on/off switch, boot parameters and degradation.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/sysfs.h>
#include <kunit/visibility.h>

#include "lifetime_debug.h"

DEFINE_STATIC_KEY_FALSE(lifetime_debug_enabled_key);
EXPORT_SYMBOL(lifetime_debug_enabled_key);

atomic_long_t ltd_counters[LTD_COUNTER_COUNT];
atomic_long_t ltd_type_counters[LTD_BUG_TYPE_COUNT];

/* === Boot parameters === */

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "lifetime_debug."

static bool ltd_enabled_param __read_mostly =
	IS_ENABLED(CONFIG_LIFETIME_DEBUG_ENABLED_BY_DEFAULT);
static bool ltd_initialized __read_mostly;
static DEFINE_MUTEX(ltd_enable_mutex);

/**
 * ltd_set_enabled() - switch the sanitizer on or off at run time
 * @on: the new state
 *
 * Context: process context, may sleep (patches the static key).
 * Return: 0, or -ENOMEM when its metadata stores cannot be made.
 */
int ltd_set_enabled(bool on)
{
	int ret = 0;

	mutex_lock(&ltd_enable_mutex);
	if (ltd_initialized) {
		/* Metadata stores are made on first enable: none while off. */
		if (on)
			ret = ltd_tag_init();
		if (!ret && on)
			static_branch_enable(&lifetime_debug_enabled_key);
		else if (!on)
			static_branch_disable(&lifetime_debug_enabled_key);
	}
	if (!ret)
		WRITE_ONCE(ltd_enabled_param, on);
	mutex_unlock(&ltd_enable_mutex);
	return ret;
}

static int ltd_param_set_enabled(const char *val, const struct kernel_param *kp)
{
	bool on;

	if (!val || kstrtobool(val, &on))
		return -EINVAL;
	/* Before lifetime_debug_init() only record the wish. */
	if (!READ_ONCE(ltd_initialized)) {
		WRITE_ONCE(ltd_enabled_param, on);
		return 0;
	}
	return ltd_set_enabled(on);
}

static int ltd_param_get_enabled(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%c\n",
			  static_key_enabled(&lifetime_debug_enabled_key) ? 'Y' : 'N');
}

static const struct kernel_param_ops ltd_enabled_ops = {
	.set = ltd_param_set_enabled,
	.get = ltd_param_get_enabled,
};
module_param_cb(enabled, &ltd_enabled_ops, &ltd_enabled_param, 0644);
MODULE_PARM_DESC(enabled, "Run the lifetime sanitizer (bool)");

bool ltd_multi_shot __read_mostly = IS_ENABLED(CONFIG_LIFETIME_DEBUG_MULTI_SHOT);
EXPORT_SYMBOL_IF_KUNIT(ltd_multi_shot);
module_param_named(multi_shot, ltd_multi_shot, bool, 0644);
MODULE_PARM_DESC(multi_shot, "Print every report, not only the first (bool)");

/* === Degraded operation === */

const char *const ltd_degraded_names[LTD_DEGRADED_COUNT] = {
	[LTD_DEGRADED_NOMEM]		= "nomem",
	[LTD_DEGRADED_LOCKDEP_OFF]	= "lockdep_off",
	[LTD_DEGRADED_CLASS_BUDGET]	= "class_budget",
	[LTD_DEGRADED_RECORDS]		= "access_records",
	[LTD_DEGRADED_WINDOWS]		= "teardown_windows",
	[LTD_DEGRADED_OWNER_FRAMES]	= "owner_frames",
	[LTD_DEGRADED_CONTEXTS]		= "context_frames",
	[LTD_DEGRADED_NOWAIT]		= "nowait_stops",
	[LTD_DEGRADED_HELPERS]		= "helper_ranges",
};

static const char *const ltd_degraded_msgs[LTD_DEGRADED_COUNT] = {
	[LTD_DEGRADED_NOMEM] =
		"out of memory for metadata: some objects are not tracked",
	[LTD_DEGRADED_LOCKDEP_OFF] =
		"lockdep is off (debug_locks=0): guards are not seen, checks are degraded",
	[LTD_DEGRADED_CLASS_BUDGET] =
		"refcount class budget (lifetime_debug.refcount_classes) exhausted: new types share the fallback class",
	[LTD_DEGRADED_RECORDS] =
		"out of memory for foreign access records: new foreign accesses are not checked",
	[LTD_DEGRADED_WINDOWS] =
		"too many concurrent teardowns: some are not checked",
	[LTD_DEGRADED_OWNER_FRAMES] =
		"too many owner-annotated callbacks at once: some count as foreign",
	[LTD_DEGRADED_CONTEXTS] =
		"too many nested interrupt or runtime-PM contexts: their accesses are judged without the context's guard",
	[LTD_DEGRADED_NOWAIT] =
		"too many timers or works stopped without waiting at one module exit: some are not reported",
	[LTD_DEGRADED_HELPERS] =
		"too many copy, string and lock helpers met: accesses inside the others are keyed by the helper, not by its caller",
};

static atomic_long_t ltd_degraded_counts[LTD_DEGRADED_COUNT];

/**
 * ltd_degraded() - note that the sanitizer works with less information
 * @reason: why
 *
 * Counts the event and says so once per reason. Never fails.
 *
 * Context: any context.
 */
void ltd_degraded(enum ltd_degraded_reason reason)
{
	if (atomic_long_inc_return(&ltd_degraded_counts[reason]) == 1)
		pr_warn("degraded: %s\n", ltd_degraded_msgs[reason]);
}

unsigned long ltd_degraded_count(enum ltd_degraded_reason reason)
{
	return atomic_long_read(&ltd_degraded_counts[reason]);
}

/* === Init === */

static int __init lifetime_debug_init(void)
{
	/* Without its pool the class tracker stays off; the rest still runs. */
	ltd_rc_init();
	ltd_module_init();
	mutex_lock(&ltd_enable_mutex);
	WRITE_ONCE(ltd_initialized, true);
	mutex_unlock(&ltd_enable_mutex);
	if (READ_ONCE(ltd_enabled_param) && ltd_set_enabled(true))
		pr_err("out of memory: stays off\n");
	pr_info("%s, %s\n",
		READ_ONCE(ltd_enabled_param) ? "enabled" : "disabled (lifetime_debug.enabled=0)",
		READ_ONCE(ltd_multi_shot) ? "multi-shot" : "report-once");
	/*
	 * The sanitizer sees what KASAN's compiler instrumentation checks;
	 * mem*() calls only when the compiler emits __asan_mem*() for them.
	 */
	if (IS_ENABLED(CONFIG_KASAN_GENERIC) &&
	    IS_ENABLED(CONFIG_CC_HAS_KASAN_MEMINTRINSIC_PREFIX))
		pr_info("mem*() calls are checked\n");
	else
		pr_info("mem*() calls are not checked by this compiler\n");
	return 0;
}
early_initcall(lifetime_debug_init);
