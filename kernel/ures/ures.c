// SPDX-License-Identifier: GPL-2.0
/*
 * ures core: reference counting, release, read-side sections, revocation
 * and owned memory of revocable domains for user-reachable state.
 */

#define pr_fmt(fmt) "ures: " fmt

#include <linux/bug.h>
#include <linux/cache.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/init.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ures.h>
#include <kunit/visibility.h>

#include "ures.h"

/**
 * struct ures_node - an owned allocation or action
 * @entry: on &ures.owned, under &ures.lock.
 * @action: for ures_add_action(): called at release; NULL for memory.
 * @data: argument of @action.
 * @size: bytes in @mem, 0 for an action.
 * @mem: the caller's memory, aligned like kmalloc() memory for DMA.
 */
struct ures_node {
	struct list_head entry;
	void (*action)(void *data);
	void *data;
	size_t size;
	u8 mem[] __aligned(ARCH_DMA_MINALIGN);
};

/* === Statistics and the instance list === */

static atomic_long_t ures_stats[URES_STAT_COUNT];

static const char *const ures_stat_names[] = {
	[URES_STAT_CREATED]	= "created",
	[URES_STAT_LIVE]	= "live",
	[URES_STAT_RELEASED]	= "released",
	[URES_STAT_DEFERRED]	= "deferred_releases",
	[URES_STAT_REVOKED]	= "revoked",
	[URES_STAT_MISUSE]	= "misuse",
	[URES_STAT_WARNINGS]	= "warnings",
	[URES_STAT_OWNED_LIVE]	= "owned_live",
	[URES_STAT_CDEV_OPENS]	= "cdev_opens",
	[URES_STAT_CDEV_DENIED]	= "cdev_opens_denied",
};

static_assert(ARRAY_SIZE(ures_stat_names) == URES_STAT_COUNT);

/* All initialised, not yet released instances; for debugfs and drgn. */
static LIST_HEAD(ures_instances);
static DEFINE_SPINLOCK(ures_instances_lock);

/* Deferred releases; system_unbound_wq before the initcall ran. */
static struct workqueue_struct *ures_wq __ro_after_init;

void ures_stat_inc(enum ures_stat stat)
{
	atomic_long_inc(&ures_stats[stat]);
}

void ures_stat_dec(enum ures_stat stat)
{
	atomic_long_dec(&ures_stats[stat]);
}

/**
 * ures_stat_read() - read a global ures counter
 * @stat: the counter
 *
 * Return: its current value.
 */
long ures_stat_read(enum ures_stat stat)
{
	return atomic_long_read(&ures_stats[stat]);
}
EXPORT_SYMBOL_IF_KUNIT(ures_stat_read);

/**
 * ures_misuse() - report an API misuse on an instance
 * @u: the instance
 * @what: what happened, e.g. "put after release"
 *
 * Counts the event on @u and globally. The first misuse of an instance is a
 * WARN(); later ones are rate-limited errors, so that a buggy caller in a
 * loop neither floods the log nor takes the kernel down (unless panic_on_warn
 * is set).
 */
void ures_misuse(struct ures *u, const char *what)
{
	atomic_inc(&u->misuse);
	ures_stat_inc(URES_STAT_MISUSE);
	if (!test_and_set_bit(URES_F_WARNED, &u->flags)) {
		ures_stat_inc(URES_STAT_WARNINGS);
		WARN(1, "ures: %s on '%s'\n", what, u->name);
	} else {
		pr_err_ratelimited("%s on '%s'\n", what, u->name);
	}
}

/* === Initialisation === */

static void ures_release_workfn(struct work_struct *work);

#ifdef CONFIG_DEBUG_LOCK_ALLOC
/* For __ures_init() callers that pass no key. */
static struct lock_class_key ures_default_key;
#endif

/**
 * __ures_init() - initialise an embedded ures; use ures_init()
 * @u: the instance
 * @name: name for messages, copied
 * @ops: callbacks, may be NULL
 * @lockname: static name of the read-side guard's lockdep map
 * @key: lockdep class of the read-side guard
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL or -ENOMEM.
 */
int __ures_init(struct ures *u, const char *name, const struct ures_ops *ops,
		const char *lockname, struct lock_class_key *key)
{
	int ret;

	if (!u)
		return -EINVAL;

	memset(u, 0, sizeof(*u));
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	ret = __init_srcu_struct(&u->srcu, lockname ?: "ures",
				 key ?: &ures_default_key);
#else
	ret = init_srcu_struct(&u->srcu);
#endif
	if (ret)
		return ret;

	atomic_set(&u->refcount, 1);
	u->ops = ops;
	strscpy(u->name, name ?: "ures", sizeof(u->name));
	init_waitqueue_head(&u->wq);
	spin_lock_init(&u->lock);
	INIT_LIST_HEAD(&u->owned);
	mutex_init(&u->mutex);
	INIT_LIST_HEAD(&u->cdevs);
	INIT_WORK(&u->release_work, ures_release_workfn);

	spin_lock(&ures_instances_lock);
	list_add_tail(&u->node, &ures_instances);
	set_bit(URES_F_LISTED, &u->flags);
	spin_unlock(&ures_instances_lock);

	ures_stat_inc(URES_STAT_CREATED);
	ures_stat_inc(URES_STAT_LIVE);
	return 0;
}
EXPORT_SYMBOL_GPL(__ures_init);

/**
 * __ures_alloc() - allocate and initialise a ures; use ures_alloc()
 * @name: name for messages, copied
 * @ops: callbacks, may be NULL; @ops->free must be NULL
 * @lockname: static name of the read-side guard's lockdep map
 * @key: lockdep class of the read-side guard
 *
 * Context: process context, may sleep.
 * Return: the instance, or ERR_PTR(-EINVAL / -ENOMEM).
 */
struct ures *__ures_alloc(const char *name, const struct ures_ops *ops,
			  const char *lockname, struct lock_class_key *key)
{
	struct ures *u;
	int ret;

	if (ops && ops->free)
		return ERR_PTR(-EINVAL);

	u = kmalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return ERR_PTR(-ENOMEM);

	ret = __ures_init(u, name, ops, lockname, key);
	if (ret) {
		kfree(u);
		return ERR_PTR(ret);
	}
	set_bit(URES_F_ALLOCATED, &u->flags);
	return u;
}
EXPORT_SYMBOL_GPL(__ures_alloc);

/* === References and release === */

static void ures_release_owned(struct ures *u)
{
	struct ures_node *node, *tmp;
	unsigned long flags;
	LIST_HEAD(list);

	spin_lock_irqsave(&u->lock, flags);
	list_splice_init(&u->owned, &list);
	spin_unlock_irqrestore(&u->lock, flags);

	/* Newest first, like devres and drmm. */
	list_for_each_entry_safe_reverse(node, tmp, &list, entry) {
		list_del(&node->entry);
		if (node->action)
			node->action(node->data);

		spin_lock_irqsave(&u->lock, flags);
		u->nr_owned--;
		u->owned_bytes -= node->size;
		spin_unlock_irqrestore(&u->lock, flags);

		if (!node->action)
			lifetime_debug_untag(node->mem, node->size, "the final put");
		kfree(node);
		ures_stat_dec(URES_STAT_OWNED_LIVE);
	}
}

/*
 * Run the release: ops->release, then the owned allocations and actions,
 * then the instance itself. Process context.
 */
static void ures_release(struct ures *u)
{
	const struct ures_ops *ops = u->ops;
	bool allocated = test_bit(URES_F_ALLOCATED, &u->flags);
	bool busy = atomic_read(&u->inflight);

	might_sleep();

	if (busy)
		ures_misuse(u, "final put inside a read-side section");

	/* The domain ends: what the release synchronizes closes accesses. */
	lifetime_debug_domain_teardown_begin(u);
	if (ops && ops->release)
		ops->release(u);
	ures_release_owned(u);
	lifetime_debug_domain_teardown_end(u);

	/* The ures_cdev structures were owned memory. */
	INIT_LIST_HEAD(&u->cdevs);
	mutex_destroy(&u->mutex);
	/* A section still open: leak the SRCU state rather than corrupt it. */
	if (!busy)
		cleanup_srcu_struct(&u->srcu);

	spin_lock(&ures_instances_lock);
	if (test_and_clear_bit(URES_F_LISTED, &u->flags))
		list_del(&u->node);
	spin_unlock(&ures_instances_lock);

	ures_stat_dec(URES_STAT_LIVE);
	ures_stat_inc(URES_STAT_RELEASED);

	if (allocated)
		kfree(u);
	else if (ops && ops->free)
		ops->free(u);
}

static void ures_release_workfn(struct work_struct *work)
{
	struct ures *u = container_of(work, struct ures, release_work);
	struct module *owner = u->ops ? u->ops->owner : NULL;

	ures_release(u);
	/* Taken by ures_final_put(); ures_release() freed @u. */
	module_put(owner);
}

/*
 * May the release run here? Only where sleeping is allowed. Without
 * CONFIG_PREEMPT_COUNT, spinlocks do not show in preempt_count() and there
 * is no telling, so the release is always deferred then.
 */
static bool ures_may_release_here(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_COUNT))
		return false;
	return preemptible() && !rcu_preempt_depth();
}

static void ures_final_put(struct ures *u)
{
	set_bit(URES_F_REVOKED, &u->flags);
	set_bit(URES_F_RELEASED, &u->flags);

	if (ures_may_release_here()) {
		ures_release(u);
		return;
	}

	ures_stat_inc(URES_STAT_DEFERRED);
	/* Keep the module of ops->release around until the work ran. */
	if (u->ops)
		__module_get(u->ops->owner);
	queue_work(ures_wq ?: system_unbound_wq, &u->release_work);
}

/**
 * ures_get() - take a reference to an instance
 * @u: the instance; the caller must already hold a reference (or otherwise
 *	know that @u is not released)
 *
 * Context: any context.
 * Return: @u, or NULL if @u is NULL or was already released (a misuse,
 * reported once per instance).
 */
struct ures *ures_get(struct ures *u)
{
	if (!u)
		return NULL;
	if (unlikely(!atomic_inc_not_zero(&u->refcount))) {
		ures_misuse(u, "get on a released instance");
		return NULL;
	}
	return u;
}
EXPORT_SYMBOL_GPL(ures_get);

/**
 * ures_put() - drop a reference to an instance
 * @u: the instance, may be NULL
 *
 * The final put releases the instance: &ures_ops.release runs, then the
 * owned allocations and actions are freed newest first, then the instance
 * (ures_alloc()) or &ures_ops.free (ures_init()). That happens exactly once.
 * If the final put comes from a context that must not sleep (spinlock held,
 * interrupts or preemption disabled, RCU read side, interrupt handler), the
 * release is deferred to a workqueue and runs in process context; without
 * CONFIG_PREEMPT_COUNT such contexts cannot be recognised, so the release is
 * then always deferred. ures_barrier() waits for deferred releases.
 *
 * A put on a released instance is a misuse: reported once, otherwise ignored.
 *
 * Context: any context but NMI.
 */
void ures_put(struct ures *u)
{
	int old;

	if (!u)
		return;

	old = atomic_read(&u->refcount);
	do {
		if (unlikely(old <= 0)) {
			ures_misuse(u, "put after release");
			return;
		}
	} while (!atomic_try_cmpxchg_release(&u->refcount, &old, old - 1));

	if (old > 1)
		return;

	/* Order the release after every access made under a reference. */
	smp_acquire__after_ctrl_dep();
	ures_final_put(u);
}
EXPORT_SYMBOL_GPL(ures_put);

/**
 * ures_barrier() - wait for deferred releases
 *
 * Waits until every release that ures_put() deferred to the workqueue before
 * this call has run. Call it from module exit when the module's code or data
 * is used by &ures_ops.release of instances whose final put may have come
 * from atomic context.
 *
 * Context: process context, may sleep.
 */
void ures_barrier(void)
{
	might_sleep();
	if (ures_wq)
		flush_workqueue(ures_wq);
}
EXPORT_SYMBOL_GPL(ures_barrier);

/* === Read-side sections and revocation === */

/*
 * Does current hold a read-side section of @u? 1: yes, 0: no, -1: cannot
 * tell (no lockdep, or lockdep turned itself off after a splat).
 */
static int ures_section_held(struct ures *u)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	int held = lock_is_held(&u->srcu.dep_map);

	if (held != LOCK_STATE_UNKNOWN)
		return held ? 1 : 0;
#endif
	return -1;
}

/**
 * ures_enter() - start a read-side section
 * @u: the instance; the caller must hold a reference for the whole section
 *
 * While the section runs, ures_revoke() does not return, so state that the
 * driver tears down at revocation (device registers, devm memory, ...) may be
 * used. Sections nest, may sleep, and must end with ures_exit() in the same
 * task. Lockdep sees the section as a read acquisition of @u's SRCU map.
 * The scoped forms are scoped_cond_guard(ures, fail, u) and
 * scoped_guard(ures, u).
 *
 * Context: any context but NMI.
 * Return: an index (>= 0) to pass to ures_exit(); -ENODEV if @u was revoked
 * or released (the latter is a misuse, reported once); -EINVAL if @u is NULL.
 */
int ures_enter(struct ures *u)
{
	int idx;

	if (!u)
		return -EINVAL;
	if (unlikely(atomic_read(&u->refcount) <= 0)) {
		ures_misuse(u, "enter on a released instance");
		return -ENODEV;
	}

	idx = srcu_read_lock(&u->srcu);
	/*
	 * srcu_read_lock() implies a full barrier: either ures_revoke()'s
	 * synchronize_srcu() waits for this section, or the flag it set
	 * before is visible here.
	 */
	if (unlikely(ures_revoked(u))) {
		srcu_read_unlock(&u->srcu, idx);
		return -ENODEV;
	}
	atomic_inc(&u->inflight);
	return idx;
}
EXPORT_SYMBOL_GPL(ures_enter);

/**
 * ures_exit() - end a read-side section
 * @u: the instance
 * @idx: the value ures_enter() returned
 *
 * An exit without a matching enter is a misuse: reported once and ignored.
 * It is detected before the SRCU unlock, from lockdep's held locks when
 * lockdep runs and from the count of open sections otherwise.
 *
 * Context: the task (or interrupt) that called ures_enter().
 */
void ures_exit(struct ures *u, int idx)
{
	if (!u)
		return;
	if (unlikely(test_bit(URES_F_RELEASED, &u->flags) &&
		     !atomic_read(&u->inflight))) {
		ures_misuse(u, "exit on a released instance");
		return;
	}
	if (unlikely(idx < 0 || idx > 1)) {
		ures_misuse(u, "exit with a bad index");
		return;
	}
	if (unlikely(!ures_section_held(u))) {
		ures_misuse(u, "exit without enter");
		return;
	}
	if (unlikely(atomic_dec_if_positive(&u->inflight) < 0)) {
		ures_misuse(u, "exit without enter");
		return;
	}
	srcu_read_unlock(&u->srcu, idx);
}
EXPORT_SYMBOL_GPL(ures_exit);

static int __ures_revoke(struct ures *u, bool again_is_misuse)
{
	const struct ures_ops *ops = u->ops;
	struct ures_cdev *uc;
	int ret = 0;

	might_sleep();

	if (atomic_read(&u->refcount) <= 0) {
		ures_misuse(u, "revoke on a released instance");
		return -ENODEV;
	}
	if (ures_section_held(u) == 1) {
		ures_misuse(u, "revoke inside its own read-side section");
		return -EDEADLK;
	}

	if (!test_and_set_bit(URES_F_REVOKED, &u->flags)) {
		ures_stat_inc(URES_STAT_REVOKED);
		/* Sleepers in ures_wait_event_*() and poll() see the flag. */
		wake_up_all(&u->wq);
		if (ops && ops->revoke)
			ops->revoke(u);
	} else if (again_is_misuse) {
		ures_misuse(u, "double revoke");
		ret = -EALREADY;
	}

	/*
	 * Every caller returns only once the sections that started before
	 * the flag was set have ended: lockdep records this as a sync on the
	 * guard map (srcu_lock_sync()), the sanitizer as a closing teardown.
	 */
	synchronize_srcu(&u->srcu);

	/* No fault handler runs any more: zap what is mapped. */
	mutex_lock(&u->mutex);
	list_for_each_entry(uc, &u->cdevs, node)
		ures_cdev_revoke(uc);
	mutex_unlock(&u->mutex);

	return ret;
}

/**
 * ures_revoke() - revoke an instance and wait for its sections to drain
 * @u: the instance; the caller must hold a reference
 *
 * Afterwards ures_enter() fails with -ENODEV, so every proxied file
 * operation of its char devices returns -ENODEV (poll: EPOLLERR | EPOLLHUP)
 * and faults on its mappings raise SIGBUS. In order: sets the revoked flag,
 * wakes ures_waitqueue(), calls &ures_ops.revoke, waits for every read-side
 * section in flight (synchronize_srcu()), and zaps the user mappings of its
 * char devices. Safe to call from a driver's remove(). A section that sleeps
 * on something revocation does not wake stalls it: wake such sleepers from
 * &ures_ops.revoke.
 *
 * Revoking twice is a misuse (reported once); devm_ures_bind()'s revocation
 * is quiet when the driver already revoked.
 *
 * Context: process context, may sleep; not inside a section of @u.
 * Return: 0; -EALREADY if already revoked (still waits for sections);
 * -EDEADLK when called inside a section of @u; -ENODEV on a released
 * instance; -EINVAL if @u is NULL.
 */
int ures_revoke(struct ures *u)
{
	if (!u)
		return -EINVAL;
	return __ures_revoke(u, true);
}
EXPORT_SYMBOL_GPL(ures_revoke);

/* === Owned memory and actions === */

static int ures_link(struct ures *u, struct ures_node *node)
{
	unsigned long flags;

	spin_lock_irqsave(&u->lock, flags);
	if (unlikely(test_bit(URES_F_RELEASED, &u->flags))) {
		spin_unlock_irqrestore(&u->lock, flags);
		return -ENODEV;
	}
	list_add_tail(&node->entry, &u->owned);
	u->nr_owned++;
	u->owned_bytes += node->size;
	spin_unlock_irqrestore(&u->lock, flags);
	ures_stat_inc(URES_STAT_OWNED_LIVE);
	return 0;
}

static bool ures_check_live(struct ures *u, const char *what)
{
	if (likely(atomic_read(&u->refcount) > 0))
		return true;
	ures_misuse(u, what);
	return false;
}

/*
 * ures_kmalloc() without the lifetime sanitizer's tag: for ures's own
 * structures (struct ures_cdev), which the VFS reaches outside sections.
 */
void *ures_kmalloc_untracked(struct ures *u, size_t size, gfp_t gfp)
{
	struct ures_node *node;

	if (!u || !size)
		return NULL;
	if (!ures_check_live(u, "allocation on a released instance"))
		return NULL;

	node = kmalloc(struct_size(node, mem, size), gfp);
	if (!node)
		return NULL;
	node->action = NULL;
	node->data = NULL;
	node->size = size;
	if (ures_link(u, node)) {
		kfree(node);
		ures_misuse(u, "allocation on a released instance");
		return NULL;
	}
	return node->mem;
}

/**
 * ures_kmalloc() - allocate memory owned by an instance
 * @u: the instance; the caller must hold a reference
 * @size: bytes, not 0
 * @gfp: allocation flags
 *
 * The memory lives until the release of @u, where it is freed after
 * &ures_ops.release, so file operations may use it as long as their file
 * pins @u, even after revocation. Like drmm_kmalloc().
 *
 * Context: as allowed by @gfp.
 * Return: the memory, or NULL (NULL @u, @size 0, out of memory, released
 * instance).
 */
void *ures_kmalloc(struct ures *u, size_t size, gfp_t gfp)
{
	void *mem = ures_kmalloc_untracked(u, size, gfp);

#ifdef CONFIG_LIFETIME_DEBUG
	/* Driver memory joins the instance's lifetime domain. */
	if (mem)
		lifetime_debug_ures_tag(u, mem, size, u->name, &u->srcu.dep_map);
#endif
	return mem;
}
EXPORT_SYMBOL_GPL(ures_kmalloc);

/**
 * ures_kzalloc() - allocate zeroed memory owned by an instance
 * @u: the instance; the caller must hold a reference
 * @size: bytes, not 0
 * @gfp: allocation flags
 *
 * See ures_kmalloc().
 *
 * Context: as allowed by @gfp.
 * Return: the memory, or NULL.
 */
void *ures_kzalloc(struct ures *u, size_t size, gfp_t gfp)
{
	return ures_kmalloc(u, size, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(ures_kzalloc);

/**
 * ures_kfree() - free owned memory before the release
 * @u: the instance
 * @ptr: memory from ures_kmalloc() or ures_kzalloc() on @u; NULL is ignored
 *
 * Freeing memory that @u does not own is a misuse: reported once, the memory
 * is left alone.
 *
 * Context: any context but NMI.
 */
void ures_kfree(struct ures *u, const void *ptr)
{
	struct ures_node *node, *found = NULL;
	unsigned long flags;

	if (!u || ZERO_OR_NULL_PTR(ptr))
		return;

	spin_lock_irqsave(&u->lock, flags);
	list_for_each_entry(node, &u->owned, entry) {
		if (!node->action && node->mem == ptr) {
			found = node;
			list_del(&node->entry);
			u->nr_owned--;
			u->owned_bytes -= node->size;
			break;
		}
	}
	spin_unlock_irqrestore(&u->lock, flags);

	if (!found) {
		ures_misuse(u, "kfree of memory the instance does not own");
		return;
	}
	lifetime_debug_untag(found->mem, found->size, "ures_kfree");
	kfree(found);
	ures_stat_dec(URES_STAT_OWNED_LIVE);
}
EXPORT_SYMBOL_GPL(ures_kfree);

/**
 * ures_add_action() - call a function at the release of an instance
 * @u: the instance; the caller must hold a reference
 * @action: called with @data after &ures_ops.release, in process context,
 *	in reverse order of registration together with the owned memory
 * @data: its argument
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -ENOMEM, or -ENODEV on a released instance.
 */
int ures_add_action(struct ures *u, void (*action)(void *), void *data)
{
	struct ures_node *node;

	if (!u || !action)
		return -EINVAL;
	if (!ures_check_live(u, "action added to a released instance"))
		return -ENODEV;

	node = kmalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return -ENOMEM;
	node->action = action;
	node->data = data;
	node->size = 0;
	if (ures_link(u, node)) {
		kfree(node);
		ures_misuse(u, "action added to a released instance");
		return -ENODEV;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(ures_add_action);

/**
 * ures_add_action_or_reset() - ures_add_action(), calling @action on failure
 * @u: the instance
 * @action: the function
 * @data: its argument
 *
 * Context: process context, may sleep.
 * Return: 0 or the error of ures_add_action(), after @action(@data) ran.
 */
int ures_add_action_or_reset(struct ures *u, void (*action)(void *),
			     void *data)
{
	int ret = ures_add_action(u, action, data);

	if (ret && action)
		action(data);
	return ret;
}
EXPORT_SYMBOL_GPL(ures_add_action_or_reset);

/* === Device binding === */

static void ures_devm_unbind(void *data)
{
	struct ures *u = data;

	/* Quiet if the driver already revoked in its remove(). */
	__ures_revoke(u, false);
	ures_put(u);
}

/**
 * devm_ures_bind() - revoke an instance when its device is unbound
 * @dev: the device, usually in probe()
 * @u: the instance; the caller must hold a reference
 *
 * Takes a reference to @u and registers a devm action that revokes @u (see
 * ures_revoke(); no misuse report if it is already revoked) and drops that
 * reference when @dev's driver is unbound (or @dev is deleted, for a device
 * without driver). devm actions run in reverse order of registration:
 * register this one after the devm resources that read-side sections use, so
 * that the revocation, and with it the drain of the file operations in
 * flight, happens before those resources are freed.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for NULL arguments; -ENODEV if @u is released; -ENOMEM,
 * in which case @u was revoked and the reference dropped already.
 */
int devm_ures_bind(struct device *dev, struct ures *u)
{
	if (!dev || !u)
		return -EINVAL;
	if (!ures_get(u))
		return -ENODEV;
	return devm_add_action_or_reset(dev, ures_devm_unbind, u);
}
EXPORT_SYMBOL_GPL(devm_ures_bind);

/* === DebugFS === */

static int ures_stats_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < URES_STAT_COUNT; i++)
		seq_printf(m, "%s: %ld\n", ures_stat_names[i],
			   atomic_long_read(&ures_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ures_stats);

static int ures_instances_show(struct seq_file *m, void *v)
{
	struct ures *u;

	seq_printf(m, "%-31s %6s %-8s %8s %6s %10s %6s\n", "name", "refs",
		   "state", "sections", "owned", "bytes", "misuse");
	spin_lock(&ures_instances_lock);
	list_for_each_entry(u, &ures_instances, node) {
		const char *state = "live";

		if (test_bit(URES_F_RELEASED, &u->flags))
			state = "released";
		else if (ures_revoked(u))
			state = "revoked";
		seq_printf(m, "%-31s %6d %-8s %8d %6u %10zu %6d\n", u->name,
			   atomic_read(&u->refcount), state,
			   atomic_read(&u->inflight), READ_ONCE(u->nr_owned),
			   READ_ONCE(u->owned_bytes), atomic_read(&u->misuse));
	}
	spin_unlock(&ures_instances_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ures_instances);

static int __init ures_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("ures", NULL);

	debugfs_create_file("stats", 0444, dir, NULL, &ures_stats_fops);
	debugfs_create_file("instances", 0444, dir, NULL,
			    &ures_instances_fops);
	return 0;
}
late_initcall(ures_debugfs_init);

static int __init ures_core_init(void)
{
	ures_wq = alloc_workqueue("ures_release", WQ_UNBOUND, 0);
	if (!ures_wq)
		pr_warn("no release workqueue, using system_unbound_wq\n");
	return 0;
}
core_initcall(ures_core_init);
