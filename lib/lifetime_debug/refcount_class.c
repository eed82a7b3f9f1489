// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer: the refcount class store.
 *
 * Every refcount type, keyed by its release function (or, for a bare
 * refcount_dec_and_test(), by its call site), gets a lockdep class from a
 * pool made when the sanitizer is first enabled and sized at boot
 * (lifetime_debug.refcount_classes); past the budget, types share the
 * fallback class. Classes are found through an RCU hash, named after their
 * key, freed and their slots reused when the module holding the key
 * unloads, and listed in debugfs. refcount.c judges the puts.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "lifetime_debug.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "lifetime_debug."

/* === Classes === */

#define LTD_RC_HASH_BITS	10
#define LTD_RC_NAME_MAX		(KSYM_NAME_LEN + 32)

unsigned int ltd_rc_budget __ro_after_init = CONFIG_LIFETIME_DEBUG_REFCOUNT_CLASSES;

static int ltd_rc_param_set_budget(const char *val, const struct kernel_param *kp)
{
	/* Each key may use LTD_RC_MAX_NEST + 1 lockdep classes: stay at half of them. */
	return param_set_uint_minmax(val, kp, 16,
				     MAX_LOCKDEP_KEYS / 2 / (LTD_RC_MAX_NEST + 1)) ? -EINVAL : 0;
}

static const struct kernel_param_ops ltd_rc_budget_ops = {
	.set = ltd_rc_param_set_budget,
	.get = param_get_uint,
};
module_param_cb(refcount_classes, &ltd_rc_budget_ops, &ltd_rc_budget, 0444);
MODULE_PARM_DESC(refcount_classes, "Lockdep classes for refcount types, fallback included");

/*
 * The pool is allocated once, when the sanitizer is first enabled: a class
 * map is recognised by its address. Published with smp_store_release().
 */
struct ltd_rc_class *ltd_rc_pool;
struct ltd_rc_class *ltd_rc_fallback;
bool ltd_rc_nomem;			/* the pool could not be made: stay off */
static DEFINE_MUTEX(ltd_rc_pool_mutex);	/* making the pool */
DEFINE_RAW_SPINLOCK(ltd_rc_lock);	/* hash changes, class state */
static struct hlist_head ltd_rc_hash[1 << LTD_RC_HASH_BITS];
static unsigned int ltd_rc_next;		/* never-used pool slots start here */
static bool ltd_rc_full;		/* no free slot: use the fallback at once */
DEFINE_PER_CPU(unsigned long, ltd_rc_stats[LTD_RC_STAT_COUNT]);

unsigned long ltd_rc_stat_read(enum ltd_rc_stat s)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(ltd_rc_stats[s], cpu);
	return sum;
}

static struct ltd_rc_class *ltd_rc_lookup(const void *key)
{
	struct hlist_head *head = &ltd_rc_hash[hash_ptr((void *)key, LTD_RC_HASH_BITS)];
	struct ltd_rc_class *cls;

	hlist_for_each_entry_rcu(cls, head, node, true) {
		if (cls->key == key)
			return cls;
	}
	return NULL;
}

/* "refcount:<symbol>", without the module suffix %ps would add. */
static void ltd_rc_name(char *buf, size_t len, const void *key)
{
	size_t n = strscpy(buf, LTD_RC_PREFIX, len);
	unsigned long size, offset;
	char *sym = buf + n;

	/* lookup_symbol_name() writes up to KSYM_NAME_LEN bytes. */
	BUILD_BUG_ON(KSYM_NAME_LEN + sizeof(LTD_RC_PREFIX) > LTD_RC_NAME_MAX);
	/* A release function, or a call site (bare refcounts): "func+0x1c". */
	if (lookup_symbol_name((unsigned long)key, sym))
		snprintf(sym, len - n, "%pS", key);
	else if (kallsyms_lookup_size_offset((unsigned long)key, &size, &offset) && offset)
		snprintf(sym + strlen(sym), len - n - strlen(sym), "+%#lx", offset);
}

/* Set up a free slot for @key; @name is copied, or @owned (allocated) kept. */
static void ltd_rc_init_class(struct ltd_rc_class *cls, const void *key,
			      const char *name, char *owned)
{
	memset(cls, 0, sizeof(*cls));
	cls->key = key;
	cls->in_use = true;
	if (owned) {
		cls->name = owned;
	} else {
		strscpy(cls->name_buf, name, sizeof(cls->name_buf));
		cls->name = cls->name_buf;
	}
	lockdep_register_key(&cls->lock_key);
	lockdep_init_map(&cls->map, cls->name, &cls->lock_key, 0);
}

/* What a class allocated besides its slot: a long name, pending puts. */
static void ltd_rc_free_extras(struct ltd_rc_class *cls)
{
	if (cls->name != cls->name_buf) {
		ltd_meta_account(-(long)ksize(cls->name));
		kfree(cls->name);
		cls->name = cls->name_buf;
	}
	if (cls->atomic) {
		ltd_meta_account(-(long)ksize(cls->atomic));
		kfree(cls->atomic);
		cls->atomic = NULL;
	}
}

/* Make the class for @key; the fallback class when over budget. */
static noinline struct ltd_rc_class *ltd_rc_class_new(const void *key)
{
	char buf[LTD_RC_NAME_MAX], *owned = NULL;
	struct ltd_rc_class *cls;
	unsigned long flags;
	unsigned int i;
	size_t len;

	if (READ_ONCE(ltd_rc_full))
		goto fallback;
	/* Named outside the lock; a long name is allocated here too. */
	ltd_rc_name(buf, sizeof(buf), key);
	len = strlen(buf) + 1;
	if (len > LTD_RC_NAME_INLINE) {
		owned = kmemdup(buf, len, GFP_NOWAIT | __GFP_NOWARN);
		if (owned)
			ltd_meta_account(ksize(owned));
		else
			ltd_degraded(LTD_DEGRADED_NOMEM);	/* the name is cut short */
	}

	raw_spin_lock_irqsave(&ltd_rc_lock, flags);
	cls = ltd_rc_lookup(key);
	if (cls)
		goto out;
	/* Slot 0 is the fallback; reuse slots freed by module unload first. */
	for (i = 1; i < ltd_rc_next; i++)
		if (!ltd_rc_pool[i].in_use)
			break;
	if (i == ltd_rc_next && ltd_rc_next < ltd_rc_budget)
		ltd_rc_next++;
	if (i >= ltd_rc_budget) {
		/* No slot scans until a module unload frees one. */
		WRITE_ONCE(ltd_rc_full, true);
		raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
		goto fallback;
	}
	cls = &ltd_rc_pool[i];
	ltd_rc_init_class(cls, key, buf, owned);
	owned = NULL;
	hlist_add_head_rcu(&cls->node, &ltd_rc_hash[hash_ptr((void *)key, LTD_RC_HASH_BITS)]);
	ltd_rc_count(LTD_RC_STAT_CLASSES);
out:
	raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
	if (owned) {
		ltd_meta_account(-(long)ksize(owned));
		kfree(owned);
	}
	return cls;
fallback:
	if (owned) {
		ltd_meta_account(-(long)ksize(owned));
		kfree(owned);
	}
	ltd_rc_count(LTD_RC_STAT_FALLBACK);
	ltd_degraded(LTD_DEGRADED_CLASS_BUDGET);
	return ltd_rc_fallback;
}

/**
 * ltd_rc_class_get() - find or make the class for @key
 * @key:	the release function, or the call site for bare refcounts
 *
 * Context: any context but NMI; the pool is made.
 * Return: the class, or the fallback class when over budget.
 */
struct ltd_rc_class *ltd_rc_class_get(const void *key)
{
	struct ltd_rc_class *cls;

	/*
	 * Classes are unlinked with hlist_del_rcu() and reused only after
	 * synchronize_rcu(), which also waits for preemption-disabled
	 * sections: cheaper here than rcu_read_lock() and its lockdep map.
	 */
	preempt_disable_notrace();
	cls = ltd_rc_lookup(key);
	preempt_enable_notrace();
	if (likely(cls))
		return cls;
	return ltd_rc_class_new(key);
}

/* === Must-not-sleep classes === */

/**
 * lifetime_debug_refcount_nosleep() - declare a release that must not sleep
 * @release: the release function (the refcount class key)
 *
 * Puts of such refcounts may come from atomic context ("ArcAtomic"); if the
 * release sleeps anyway, that is reported.
 *
 * Context: any context.
 * Return: 0, -EINVAL for NULL, -ENOSPC if the class cannot be allocated.
 */
int lifetime_debug_refcount_nosleep(const void *release)
{
	return ltd_rc_set_nosleep(release, true);
}
EXPORT_SYMBOL_GPL(lifetime_debug_refcount_nosleep);

/**
 * ltd_rc_set_nosleep() - set or clear a class's must-not-sleep flag
 * @release:	the release function (the refcount class key)
 * @on:		the new flag
 *
 * The class pool is made here if the sanitizer was never enabled and the
 * caller can sleep.
 *
 * Context: any context.
 * Return: 0, -EINVAL for NULL, -ENOSPC if the class cannot be allocated.
 */
int ltd_rc_set_nosleep(const void *release, bool on)
{
	struct ltd_rc_class *cls;

	if (!release)
		return -EINVAL;
	/* Pairs with ltd_rc_enable(): the fallback class is set up. */
	if (!smp_load_acquire(&ltd_rc_pool) && (!preemptible() || ltd_rc_enable()))
		return -ENOSPC;
	cls = ltd_rc_class_get(release);
	if (cls == ltd_rc_fallback)
		return -ENOSPC;
	WRITE_ONCE(cls->nosleep, on);
	return 0;
}

/* === Module unload === */

static int ltd_rc_module_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;
	struct ltd_rc_class *gone[16];
	unsigned long flags;
	unsigned int i, n;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	/* Its lock classes go: chain keys hashing their indices are stale. */
	WRITE_ONCE(ltd_rc_epoch, ltd_rc_epoch + 1);
	/* Pairs with ltd_rc_enable(): ltd_rc_next is set. */
	if (!smp_load_acquire(&ltd_rc_pool))
		return NOTIFY_DONE;
	do {
		n = 0;
		raw_spin_lock_irqsave(&ltd_rc_lock, flags);
		for (i = 1; i < ltd_rc_next && n < ARRAY_SIZE(gone); i++) {
			struct ltd_rc_class *cls = &ltd_rc_pool[i];

			if (cls->in_use && cls->key &&
			    within_module((unsigned long)cls->key, mod)) {
				hlist_del_rcu(&cls->node);
				cls->key = NULL;	/* not reusable until unregistered */
				gone[n++] = cls;
			}
		}
		raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
		synchronize_rcu();
		for (i = 0; i < n; i++) {
			/* Sleeps; also zaps the class and its dependencies. */
			lockdep_unregister_key(&gone[i]->lock_key);
			raw_spin_lock_irqsave(&ltd_rc_lock, flags);
			ltd_rc_free_extras(gone[i]);
			raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
			ltd_rc_count(LTD_RC_STAT_UNREGISTERED);
			WRITE_ONCE(gone[i]->in_use, false);
			WRITE_ONCE(ltd_rc_full, false);
		}
	} while (n == ARRAY_SIZE(gone));
	return NOTIFY_OK;
}

static struct notifier_block ltd_rc_module_nb = {
	.notifier_call = ltd_rc_module_notify,
	.priority = -1,	/* after the others, when the module is gone */
};

/* === debugfs listing === */

/**
 * ltd_rc_show_classes() - one line per refcount class, for debugfs
 * @seq: the file
 */
void ltd_rc_show_classes(struct seq_file *seq)
{
	/* Pairs with ltd_rc_enable(): ltd_rc_next is set. */
	struct ltd_rc_class *pool = smp_load_acquire(&ltd_rc_pool);
	unsigned long flags;
	unsigned int i;
	char *name;

	seq_printf(seq, "%-40s %10s %10s %5s %7s  %s\n",
		   "class", "puts", "atomic", "sleep", "nosleep", "sleeps at");
	if (!pool)
		return;
	/* A long name is freed at module unload: copy it under the lock. */
	name = kmalloc(LTD_RC_NAME_MAX, GFP_KERNEL);
	if (!name)
		return;
	for (i = 0; i < READ_ONCE(ltd_rc_next); i++) {
		struct ltd_rc_class *cls = &pool[i];

		if (!READ_ONCE(cls->in_use))
			continue;
		raw_spin_lock_irqsave(&ltd_rc_lock, flags);
		strscpy(name, cls->name, LTD_RC_NAME_MAX);
		raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
		seq_printf(seq, "%-40s %10ld %10ld %5d %7d  %pS\n", name,
			   atomic_long_read(&cls->puts), atomic_long_read(&cls->atomic_puts),
			   READ_ONCE(cls->may_sleep), READ_ONCE(cls->nosleep),
			   (void *)READ_ONCE(cls->sleep_site));
	}
	kfree(name);
}

/* === Init === */

/**
 * ltd_rc_enable() - make the class pool, on first enable
 *
 * Nothing is allocated while the sanitizer is off at boot. The pool's
 * bytes count in meta_bytes; without them the class tracker stays off
 * (said once).
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int ltd_rc_enable(void)
{
	size_t bytes = array_size(ltd_rc_budget, sizeof(struct ltd_rc_class));
	struct ltd_rc_class *pool;
	int ret = 0;

	mutex_lock(&ltd_rc_pool_mutex);
	if (ltd_rc_pool || ltd_rc_nomem)
		goto out;
	pool = vzalloc(bytes);
	if (!pool) {
		WRITE_ONCE(ltd_rc_nomem, true);
		ltd_degraded(LTD_DEGRADED_NOMEM);
		ret = -ENOMEM;
		goto out;
	}
	ltd_meta_account(PAGE_ALIGN(bytes));
	ltd_rc_fallback = &pool[0];
	ltd_rc_init_class(ltd_rc_fallback, ltd_rc_fallback, LTD_RC_PREFIX "fallback", NULL);
	ltd_rc_next = 1;
	/* Lockless readers see the fallback class and ltd_rc_next set. */
	smp_store_release(&ltd_rc_pool, pool);
	pr_info("refcount classes: budget %u (lockdep keys %lu)\n", ltd_rc_budget,
		(unsigned long)MAX_LOCKDEP_KEYS);
out:
	mutex_unlock(&ltd_rc_pool_mutex);
	return ret;
}

int __init ltd_rc_init(void)
{
	ltd_device_release = (void *)kallsyms_lookup_name("device_release");
	register_module_notifier(&ltd_rc_module_nb);
	return 0;
}

/*
 * After lifetime_debug_init() (core.o links first): enabled at boot, the
 * pool is made now, before the first put it would miss.
 */
static int __init ltd_rc_boot(void)
{
	if (lifetime_debug_enabled())
		ltd_rc_enable();
	return 0;
}
early_initcall(ltd_rc_boot);
