/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lifetime sanitizer: hooks called by other subsystems.
 *
 * See Documentation/dev-tools/lifetime-debug.rst.
 */
#ifndef _LINUX_LIFETIME_DEBUG_H
#define _LINUX_LIFETIME_DEBUG_H

#include <linux/instruction_pointer.h>
#include <linux/types.h>

#ifdef CONFIG_LIFETIME_DEBUG

#include <linux/jump_label.h>

DECLARE_STATIC_KEY_FALSE(lifetime_debug_enabled_key);

/**
 * lifetime_debug_enabled() - is the lifetime sanitizer running?
 *
 * A static branch: patched out when the sanitizer is off at boot
 * (lifetime_debug.enabled=0) or at run time.
 *
 * Return: true when the sanitizer checks and reports.
 */
static __always_inline bool lifetime_debug_enabled(void)
{
	return static_branch_unlikely(&lifetime_debug_enabled_key);
}

/**
 * struct lifetime_debug_put - one refcount put, on the putter's stack
 * @class:	the refcount class, NULL when not tracked
 * @ip:		put site
 * @subclass:	lockdep subclass: how many releases are already running
 * @modelled:	the put was modelled for lockdep (process context)
 */
struct lifetime_debug_put {
	void *class;
	unsigned long ip;
	int subclass;
	bool modelled;
};

struct kobject;

void __lifetime_debug_put(struct lifetime_debug_put *p, const void *key,
			  unsigned long ip);
void __lifetime_debug_kobject_put(struct lifetime_debug_put *p,
				  struct kobject *kobj, unsigned long ip);
void __lifetime_debug_release_begin(struct lifetime_debug_put *p);
void __lifetime_debug_release_end(struct lifetime_debug_put *p);
void __lifetime_debug_might_sleep(unsigned long ip);
void __lifetime_debug_refcount_dec(bool final, unsigned long ip);
int lifetime_debug_refcount_nosleep(const void *release);

/**
 * lifetime_debug_put() - a refcount is put (final or not)
 * @p:		state for the release hooks
 * @release:	the release function: the refcount's class
 * @ip:		the put site
 *
 * Acts as might_lock() of the class and checks the context: a put in atomic
 * context of a class whose release sleeps is reported.
 */
static __always_inline void lifetime_debug_put(struct lifetime_debug_put *p,
					       const void *release, unsigned long ip)
{
	p->class = NULL;
	if (lifetime_debug_enabled())
		__lifetime_debug_put(p, release, ip);
}

/**
 * lifetime_debug_kobject_put() - kobject_put(), classed by its real release
 * @p:		state for the release hooks
 * @kobj:	the kobject
 * @ip:		the put site
 */
static __always_inline void lifetime_debug_kobject_put(struct lifetime_debug_put *p,
						       struct kobject *kobj,
						       unsigned long ip)
{
	p->class = NULL;
	if (lifetime_debug_enabled())
		__lifetime_debug_kobject_put(p, kobj, ip);
}

/**
 * lifetime_debug_release_begin() - the put was final: the release runs
 * @p: state from lifetime_debug_put()
 *
 * Holds the class's lockdep map until lifetime_debug_release_end().
 */
static __always_inline void lifetime_debug_release_begin(struct lifetime_debug_put *p)
{
	if (p->class)
		__lifetime_debug_release_begin(p);
}

/**
 * lifetime_debug_release_end() - the release returned
 * @p: state from lifetime_debug_put()
 */
static __always_inline void lifetime_debug_release_end(struct lifetime_debug_put *p)
{
	if (p->class)
		__lifetime_debug_release_end(p);
}

/**
 * lifetime_debug_refcount_dec() - a bare refcount_dec_and_test()
 * @final:	what refcount_dec_and_test() returned
 * @ip:		the call site: the refcount's class, as there is no release
 *
 * Return: @final.
 */
static __always_inline bool lifetime_debug_refcount_dec(bool final, unsigned long ip)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_refcount_dec(final, ip);
	return final;
}

/**
 * lifetime_debug_might_sleep() - called by might_sleep()
 *
 * Teaches the refcount classes whose release is running that it can sleep.
 */
static __always_inline void lifetime_debug_might_sleep(void)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_might_sleep(_RET_IP_);
}

#else /* CONFIG_LIFETIME_DEBUG */

struct lifetime_debug_put { };
struct kobject;

static inline bool lifetime_debug_enabled(void) { return false; }
static inline void lifetime_debug_put(struct lifetime_debug_put *p,
				      const void *release, unsigned long ip) { }
static inline void lifetime_debug_kobject_put(struct lifetime_debug_put *p,
					      struct kobject *kobj,
					      unsigned long ip) { }
static inline void lifetime_debug_release_begin(struct lifetime_debug_put *p) { }
static inline void lifetime_debug_release_end(struct lifetime_debug_put *p) { }
static inline void lifetime_debug_might_sleep(void) { }
static inline bool lifetime_debug_refcount_dec(bool final, unsigned long ip)
{
	return final;
}
static inline int lifetime_debug_refcount_nosleep(const void *release) { return 0; }

#endif /* CONFIG_LIFETIME_DEBUG */

#endif /* _LINUX_LIFETIME_DEBUG_H */
