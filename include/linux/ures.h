/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ures: a revocable, refcounted lifetime domain for user-reachable state.
 *
 * See Documentation/core-api/ures.rst.
 */
#ifndef _LINUX_URES_H
#define _LINUX_URES_H

#include <linux/atomic.h>
#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/gfp_types.h>
#include <linux/list.h>
#include <linux/lockdep_types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct device;
struct module;
struct ures;
struct ures_cdev;

/* Length of the name buffer in struct ures, including the terminating NUL. */
#define URES_NAME_LEN	32

/**
 * struct ures_ops - callbacks of a ures instance
 * @owner: module holding the callbacks (THIS_MODULE). A release deferred to
 *	a workqueue pins it until the release has run.
 * @release: optional; called exactly once, after the final ures_put(), in
 *	process context (may sleep), before the owned allocations are freed.
 *	Tear down whatever the instance refers to here.
 * @revoke: optional; called once by the first ures_revoke(), before it
 *	waits for read-side sections to drain. Wake anything a section may be
 *	sleeping on that is not the ures wait queue. May sleep; must not wait
 *	for read-side sections of the same ures.
 * @free: only for instances embedded with ures_init(): called last, after
 *	@release and after the owned allocations are gone, to free the
 *	structure that embeds the struct ures. Must be NULL for ures_alloc().
 */
struct ures_ops {
	struct module *owner;
	void (*release)(struct ures *u);
	void (*revoke)(struct ures *u);
	void (*free)(struct ures *u);
};

/* Bits in struct ures::flags. */
enum ures_flag {
	URES_F_REVOKED,		/* no new read-side section may start */
	URES_F_RELEASED,	/* the final put happened */
	URES_F_ALLOCATED,	/* from ures_alloc(): the core frees it */
	URES_F_WARNED,		/* misuse already warned about */
	URES_F_LISTED,		/* on the global instance list */
};

/**
 * struct ures - a revocable, refcounted domain for user-reachable state
 * @refcount: references; the instance is released when it drops to zero.
 * @flags: &enum ures_flag bits, atomic bitops.
 * @inflight: read-side sections currently between ures_enter() and
 *	ures_exit(), for misuse checks and statistics.
 * @misuse: number of misuse events detected on this instance.
 * @ops: callbacks, may be NULL.
 * @drvdata: driver data, see ures_set_drvdata().
 * @srcu: guards read-side sections; its lockdep map (@srcu.dep_map) is the
 *	guard that the lifetime sanitizer sees.
 * @wq: woken by ures_revoke(); see ures_wait_event_interruptible().
 * @lock: protects @owned, @nr_owned and @owned_bytes.
 * @owned: owned allocations and actions, released after @ops->release.
 * @nr_owned: number of entries on @owned.
 * @owned_bytes: bytes allocated through ures_kmalloc() and friends.
 * @mutex: serialises revocation against @cdevs updates.
 * @cdevs: character devices bound to this instance, under @mutex.
 * @release_work: runs a deferred release.
 * @node: entry on the global instance list, under its spinlock.
 * @name: for messages and debugfs.
 *
 * Embed it with ures_init() or allocate it with ures_alloc(). All fields are
 * private to kernel/ures/; use the accessors below.
 */
struct ures {
	atomic_t refcount;
	unsigned long flags;
	atomic_t inflight;
	atomic_t misuse;
	const struct ures_ops *ops;
	void *drvdata;
	struct srcu_struct srcu;
	wait_queue_head_t wq;
	spinlock_t lock;		/* protects the owned list */
	struct list_head owned;
	unsigned int nr_owned;
	size_t owned_bytes;
	struct mutex mutex;		/* revocation vs @cdevs */
	struct list_head cdevs;
	struct work_struct release_work;
	struct list_head node;
	char name[URES_NAME_LEN];
};

/**
 * ures_revoked() - has the instance been revoked?
 * @u: the instance
 *
 * Lockless; only a hint unless called inside a read-side section, where a
 * false result stays false until ures_exit().
 *
 * Return: true once ures_revoke() started or the instance was released.
 */
static inline bool ures_revoked(const struct ures *u)
{
	return test_bit(URES_F_REVOKED, &u->flags);
}

/**
 * ures_set_drvdata() - attach driver data to an instance
 * @u: the instance
 * @data: driver data; ures-owned memory is the natural choice
 *
 * The char-device proxy stores it in file->private_data before the driver's
 * open() runs.
 */
static inline void ures_set_drvdata(struct ures *u, void *data)
{
	u->drvdata = data;
}

/**
 * ures_get_drvdata() - driver data of an instance
 * @u: the instance
 *
 * Return: the pointer given to ures_set_drvdata(), or NULL.
 */
static inline void *ures_get_drvdata(const struct ures *u)
{
	return u->drvdata;
}

/**
 * ures_waitqueue() - the wait queue that ures_revoke() wakes
 * @u: the instance
 *
 * Sleep on it (ures_wait_event_interruptible()) or poll_wait() on it, and
 * wake it when data arrives, so that revocation wakes the sleepers too.
 *
 * Return: @u's wait queue head.
 */
static inline wait_queue_head_t *ures_waitqueue(struct ures *u)
{
	return &u->wq;
}

/**
 * ures_misuse_count() - misuse events detected on an instance
 * @u: the instance
 *
 * Return: how many misuses (put after release, exit without enter, double
 * revoke, enter on a released instance...) were caught on @u.
 */
static inline unsigned int ures_misuse_count(const struct ures *u)
{
	return atomic_read(&u->misuse);
}

#ifdef CONFIG_URES

int __ures_init(struct ures *u, const char *name, const struct ures_ops *ops,
		const char *lockname, struct lock_class_key *key);
struct ures *__ures_alloc(const char *name, const struct ures_ops *ops,
			  const char *lockname, struct lock_class_key *key);

/**
 * ures_init() - initialise an embedded ures
 * @u: the instance, zeroed or not
 * @name: a name for messages and debugfs, copied (truncated to
 *	%URES_NAME_LEN - 1 characters)
 * @ops: callbacks (may be NULL); set @ops->free to free the structure that
 *	embeds @u, or leave it NULL to keep that memory after the release
 *
 * The instance starts with one reference, owned by the caller. Each call site
 * gets its own lockdep class for the read-side guard.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for a NULL @u, or -ENOMEM.
 */
#define ures_init(u, name, ops)						\
({									\
	static struct lock_class_key __ures_key;			\
									\
	__ures_init((u), (name), (ops), "ures:" #ops, &__ures_key);	\
})

/**
 * ures_alloc() - allocate and initialise a ures
 * @name: a name for messages and debugfs, copied
 * @ops: callbacks (may be NULL); @ops->free must be NULL
 *
 * Like ures_init() for an instance that the ures core allocates and frees
 * after the release.
 *
 * Context: process context, may sleep.
 * Return: the instance with one reference, or ERR_PTR(-EINVAL / -ENOMEM).
 */
#define ures_alloc(name, ops)						\
({									\
	static struct lock_class_key __ures_key;			\
									\
	__ures_alloc((name), (ops), "ures:" #ops, &__ures_key);		\
})

struct ures *ures_get(struct ures *u);
void ures_put(struct ures *u);
void ures_barrier(void);

int ures_enter(struct ures *u);
void ures_exit(struct ures *u, int idx);
int ures_revoke(struct ures *u);

void *ures_kmalloc(struct ures *u, size_t size, gfp_t gfp);
void *ures_kzalloc(struct ures *u, size_t size, gfp_t gfp);
void ures_kfree(struct ures *u, const void *ptr);
int ures_add_action(struct ures *u, void (*action)(void *), void *data);
int ures_add_action_or_reset(struct ures *u, void (*action)(void *),
			     void *data);

int devm_ures_bind(struct device *dev, struct ures *u);

struct ures_cdev *ures_cdev_alloc(struct ures *u,
				  const struct file_operations *fops);
int ures_cdev_add(struct ures_cdev *uc, dev_t devt, unsigned int count);
void ures_cdev_del(struct ures_cdev *uc);
int devm_ures_cdev_add(struct device *dev, struct ures_cdev *uc, dev_t devt,
		       unsigned int count);
struct ures *ures_cdev_ures(const struct ures_cdev *uc);
struct ures *ures_file_ures(const struct file *filp);

#else /* CONFIG_URES */

static inline int ures_init(struct ures *u, const char *name,
			    const struct ures_ops *ops)
{
	return -EOPNOTSUPP;
}

static inline struct ures *ures_alloc(const char *name,
				      const struct ures_ops *ops)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline struct ures *ures_get(struct ures *u)
{
	return NULL;
}

static inline void ures_put(struct ures *u) { }

static inline void ures_barrier(void) { }

static inline int ures_enter(struct ures *u)
{
	return -ENODEV;
}

static inline void ures_exit(struct ures *u, int idx) { }

static inline int ures_revoke(struct ures *u)
{
	return -EOPNOTSUPP;
}

static inline void *ures_kmalloc(struct ures *u, size_t size, gfp_t gfp)
{
	return NULL;
}

static inline void *ures_kzalloc(struct ures *u, size_t size, gfp_t gfp)
{
	return NULL;
}

static inline void ures_kfree(struct ures *u, const void *ptr) { }

static inline int ures_add_action(struct ures *u, void (*action)(void *),
				  void *data)
{
	return -EOPNOTSUPP;
}

static inline int ures_add_action_or_reset(struct ures *u,
					   void (*action)(void *), void *data)
{
	action(data);
	return -EOPNOTSUPP;
}

static inline int devm_ures_bind(struct device *dev, struct ures *u)
{
	return -EOPNOTSUPP;
}

static inline struct ures_cdev *
ures_cdev_alloc(struct ures *u, const struct file_operations *fops)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline int ures_cdev_add(struct ures_cdev *uc, dev_t devt,
				unsigned int count)
{
	return -EOPNOTSUPP;
}

static inline void ures_cdev_del(struct ures_cdev *uc) { }

static inline int devm_ures_cdev_add(struct device *dev, struct ures_cdev *uc,
				     dev_t devt, unsigned int count)
{
	return -EOPNOTSUPP;
}

static inline struct ures *ures_cdev_ures(const struct ures_cdev *uc)
{
	return NULL;
}

static inline struct ures *ures_file_ures(const struct file *filp)
{
	return NULL;
}

#endif /* CONFIG_URES */

/*
 * Scoped guard: "ures" is a conditional guard class whose constructor calls
 * ures_enter() and whose destructor calls ures_exit() if the enter succeeded.
 *
 *	scoped_cond_guard(ures, return -ENODEV, u) {
 *		... the section ...
 *	}
 *
 *	scoped_guard(ures, u) {
 *		... runs only if the enter succeeded ...
 *	}
 */
__DEFINE_CLASS_IS_CONDITIONAL(ures, true);
__DEFINE_UNLOCK_GUARD(ures, struct ures, ures_exit(_T->lock, _T->idx), int idx)

static inline class_ures_t class_ures_constructor(struct ures *u)
{
	class_ures_t _t = { .lock = u };

	_t.idx = ures_enter(u);
	if (_t.idx < 0)
		_t.lock = NULL;
	return _t;
}

/**
 * ures_wait_event_interruptible() - sleep until a condition or revocation
 * @u: the instance, whose wait queue (ures_waitqueue()) is slept on
 * @condition: a C expression for the event to wait for
 *
 * Meant for read-side sections: sleeping there is allowed, but ures_revoke()
 * waits for the section, so the sleep must end when the instance is revoked.
 * Wake the queue with wake_up_interruptible(ures_waitqueue(u)) when
 * @condition may have become true.
 *
 * Context: process context, may sleep.
 * Return: 0 when @condition is true, -ENODEV if @u was revoked (checked
 * first), -ERESTARTSYS if a signal arrived.
 */
#define ures_wait_event_interruptible(u, condition)			\
({									\
	struct ures *__u = (u);						\
	int __ret;							\
									\
	__ret = wait_event_interruptible(__u->wq,			\
					 ures_revoked(__u) || (condition)); \
	if (!__ret && ures_revoked(__u))				\
		__ret = -ENODEV;					\
	__ret;								\
})

/**
 * ures_wait_event_interruptible_timeout() - like
 *	ures_wait_event_interruptible(), with a timeout
 * @u: the instance
 * @condition: a C expression for the event to wait for
 * @timeout: in jiffies
 *
 * Context: process context, may sleep.
 * Return: -ENODEV if @u was revoked, -ERESTARTSYS on a signal, 0 if the
 * timeout elapsed with @condition false, otherwise the remaining jiffies
 * (at least 1).
 */
#define ures_wait_event_interruptible_timeout(u, condition, timeout)	\
({									\
	struct ures *__u = (u);						\
	long __ret;							\
									\
	__ret = wait_event_interruptible_timeout(__u->wq,		\
				ures_revoked(__u) || (condition), (timeout)); \
	if (__ret >= 0 && ures_revoked(__u))				\
		__ret = -ENODEV;					\
	__ret;								\
})

#endif /* _LINUX_URES_H */
