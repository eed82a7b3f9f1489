/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lifetime sanitizer: domain tagging hooks for devres, KASAN, lockdep and
 * the synchronization primitives a teardown uses.
 *
 * Kept apart from <linux/lifetime_debug.h>, which <linux/refcount.h>
 * includes, so that only the few files carrying these hooks depend on it.
 * See Documentation/dev-tools/lifetime-debug.rst.
 */
#ifndef _LINUX_LIFETIME_DEBUG_DOMAIN_H
#define _LINUX_LIFETIME_DEBUG_DOMAIN_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/lifetime_debug.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/workqueue_types.h>

struct device;
struct lockdep_map;
struct timer_list;

/*
 * The KASAN shadow marker of tagged memory: 0xD0 for a whole granule,
 * 0xD0 | n for a last granule of which n bytes are accessible. Generic
 * KASAN does not use 0xD0-0xD7; as s8 they are negative, so compiler
 * instrumentation sends every access to tagged memory to kasan_report().
 */
#define LIFETIME_DEBUG_SHADOW		0xD0
#define LIFETIME_DEBUG_SHADOW_MASK	0xF8

#ifdef CONFIG_LIFETIME_DEBUG

/**
 * lifetime_debug_shadow_is_tag() - is this KASAN shadow byte our marker?
 * @shadow: the shadow byte
 *
 * Return: true for 0xD0-0xD7.
 */
static __always_inline bool lifetime_debug_shadow_is_tag(u8 shadow)
{
	return (shadow & LIFETIME_DEBUG_SHADOW_MASK) == LIFETIME_DEBUG_SHADOW;
}

/**
 * lifetime_debug_shadow_valid() - accessible bytes of a marked granule
 * @shadow: a marker shadow byte
 *
 * Return: 1-8.
 */
static __always_inline unsigned int lifetime_debug_shadow_valid(u8 shadow)
{
	return (shadow & 7) ? (shadow & 7) : 8;
}

extern int lifetime_debug_nr_windows;

void __lifetime_debug_devres_tag(struct device *dev, void *data, size_t size);
void __lifetime_debug_ures_tag(const void *owner, void *mem, size_t size,
			       const char *name, const struct lockdep_map *section);
void __lifetime_debug_domain_teardown_begin(const void *owner);
void __lifetime_debug_domain_teardown_end(const void *owner);
void __lifetime_debug_untag(const void *data, size_t size, const char *how);
void __lifetime_debug_teardown_begin(struct device *dev);
void __lifetime_debug_teardown_end(struct device *dev);
void __lifetime_debug_note_sync(const struct lockdep_map *map);
void __lifetime_debug_note_sync_obj(const void *obj);
void __lifetime_debug_untag_primitive(const void *obj, size_t size);
void __lifetime_debug_ctx_enter(const void *obj, const char *what);
void __lifetime_debug_ctx_exit(const void *obj);
void __lifetime_debug_task_ctx_enter(const void *obj, const char *what);
void __lifetime_debug_task_ctx_exit(const void *obj);
DECLARE_PER_CPU(unsigned int, lifetime_debug_ctx_depth);
extern atomic_t lifetime_debug_nr_task_ctx;
bool __lifetime_debug_kasan_access(const void *addr, size_t size, bool write,
				   unsigned long ip);
void __lifetime_debug_kasan_story(const void *addr);

/* Walkers for the module unload check (kernel/time/timer.c, kernel/workqueue.c). */
typedef void (*lifetime_debug_timer_fn)(struct timer_list *timer, void *arg);
typedef void (*lifetime_debug_work_fn)(work_func_t func, void *arg);
void lifetime_debug_walk_timers(lifetime_debug_timer_fn fn, void *arg);
void lifetime_debug_walk_works(lifetime_debug_work_fn fn, void *arg);

/**
 * lifetime_debug_devres_tag() - tag devres data with its owning device
 * @dev:	the owner
 * @data:	devres data (granule aligned)
 * @size:	requested size
 *
 * Context: any context; called after the devres is added to @dev.
 */
static __always_inline void lifetime_debug_devres_tag(struct device *dev,
						      void *data, size_t size)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_devres_tag(dev, data, size);
}

/**
 * lifetime_debug_ures_tag() - tag memory owned by a ures instance
 * @owner:	the instance
 * @mem:	the memory (granule aligned)
 * @size:	its size
 * @name:	the instance's name
 * @section:	the lockdep map its read-side sections hold
 *
 * Accesses inside a section, in the release, or from driver-model callbacks
 * are the owner's; device-side ones (timers, work, interrupts) are foreign
 * and must be closed by what the release synchronizes.
 *
 * Context: any context.
 */
static __always_inline void lifetime_debug_ures_tag(const void *owner, void *mem,
						    size_t size, const char *name,
						    const struct lockdep_map *section)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_ures_tag(owner, mem, size, name, section);
}

/**
 * lifetime_debug_domain_teardown_begin() - a ures domain ends (final put)
 * @owner: the instance
 */
static __always_inline void lifetime_debug_domain_teardown_begin(const void *owner)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_domain_teardown_begin(owner);
}

/**
 * lifetime_debug_domain_teardown_end() - the ures domain's memory was freed
 * @owner: the instance
 */
static __always_inline void lifetime_debug_domain_teardown_end(const void *owner)
{
	if (lifetime_debug_enabled() || READ_ONCE(lifetime_debug_nr_windows))
		__lifetime_debug_domain_teardown_end(owner);
}

/**
 * lifetime_debug_untag() - memory leaves its domain (freed or handed over)
 * @data:	start of the tagged memory
 * @size:	its size
 * @how:	what ends it, for the use-after-free story ("devm_kfree")
 *
 * Called unconditionally: memory tagged while the sanitizer ran must lose
 * its marker before it is freed even if the sanitizer was switched off.
 * Costs one shadow byte load for untagged memory.
 *
 * Context: any context.
 */
static __always_inline void lifetime_debug_untag(const void *data, size_t size,
						 const char *how)
{
	__lifetime_debug_untag(data, size, how);
}

/**
 * lifetime_debug_teardown_begin() - the devres domain of @dev ends now
 * @dev: the device being unbound or deleted
 *
 * Opens a teardown window on the current task: the locks it takes and the
 * guards it synchronizes with until lifetime_debug_teardown_end() close
 * the foreign accesses that held them. Idempotent.
 */
static __always_inline void lifetime_debug_teardown_begin(struct device *dev)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_teardown_begin(dev);
}

/**
 * lifetime_debug_teardown_end() - the devres of @dev were released
 * @dev: the device
 *
 * Reports the foreign accesses that the teardown did not close.
 */
static __always_inline void lifetime_debug_teardown_end(struct device *dev)
{
	/* Also when switched off meanwhile: an open window must close. */
	if (lifetime_debug_enabled() || READ_ONCE(lifetime_debug_nr_windows))
		__lifetime_debug_teardown_end(dev);
}

/**
 * lifetime_debug_note_sync() - a teardown may be synchronizing with @map
 * @map: the lockdep map acquired or synchronized with
 *
 * Called by lock_acquire() and lock_sync(), and by primitives that wait
 * for a guard without touching its map (flush_work() of an idle work,
 * kernfs and debugfs removal of an unused file). One load when no
 * teardown runs.
 *
 * Context: any context.
 */
static __always_inline void lifetime_debug_note_sync(const struct lockdep_map *map)
{
	if (unlikely(READ_ONCE(lifetime_debug_nr_windows)))
		__lifetime_debug_note_sync(map);
}

/**
 * lifetime_debug_note_sync_obj() - a teardown waited for a lockless context
 * @obj: the context's object: IRQ descriptor, hrtimer, tasklet, NAPI
 *	instance, kthread, kthread work, or a device's PM state
 *
 * Called where the kernel waits for such a context to finish
 * (synchronize_irq(), hrtimer_cancel(), tasklet_kill(), napi_disable(),
 * kthread_stop(), kthread_cancel_work_sync(), pm_runtime_disable()). One
 * load when no teardown runs.
 *
 * Context: any context.
 */
static __always_inline void lifetime_debug_note_sync_obj(const void *obj)
{
	if (unlikely(READ_ONCE(lifetime_debug_nr_windows)))
		__lifetime_debug_note_sync_obj(obj);
}

/**
 * lifetime_debug_untag_primitive() - a primitive is initialized in tagged memory
 * @obj:	the hrtimer, tasklet or NAPI instance
 * @size:	its size
 *
 * Its bytes belong to the primitive's own code from now on and are not
 * judged. Called unconditionally (one shadow load), like
 * lifetime_debug_untag().
 *
 * Context: any context.
 */
static __always_inline void lifetime_debug_untag_primitive(const void *obj, size_t size)
{
	__lifetime_debug_untag_primitive(obj, size);
}

/**
 * lifetime_debug_ctx_enter() - a lockless atomic context starts
 * @obj:	its object, which the matching wait closes
 * @what:	its kind, a static string ("irq", "hrtimer", "tasklet", "napi")
 *
 * While it runs, @obj is a guard of its accesses to tagged memory.
 *
 * Context: preemption disabled; pair with lifetime_debug_ctx_exit().
 */
static __always_inline void lifetime_debug_ctx_enter(const void *obj, const char *what)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_ctx_enter(obj, what);
}

/**
 * lifetime_debug_ctx_exit() - the context entered with @obj ends
 * @obj: its object
 */
static __always_inline void lifetime_debug_ctx_exit(const void *obj)
{
	if (unlikely(raw_cpu_read(lifetime_debug_ctx_depth)))
		__lifetime_debug_ctx_exit(obj);
}

/**
 * lifetime_debug_task_ctx_enter() - a lockless context that may sleep starts
 * @obj:	its object (a device's PM state for runtime-PM callbacks)
 * @what:	its kind, a static string
 *
 * Context: any context; pair with lifetime_debug_task_ctx_exit().
 */
static __always_inline void lifetime_debug_task_ctx_enter(const void *obj, const char *what)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_task_ctx_enter(obj, what);
}

/**
 * lifetime_debug_task_ctx_exit() - the sleeping context of @obj ends
 * @obj: its object
 */
static __always_inline void lifetime_debug_task_ctx_exit(const void *obj)
{
	if (unlikely(atomic_read(&lifetime_debug_nr_task_ctx)))
		__lifetime_debug_task_ctx_exit(obj);
}

#ifdef CONFIG_MODULES
void __lifetime_debug_stop_nowait(const void *obj, const void *fn, const char *how);
void __lifetime_debug_stop_waited(const void *obj);

/**
 * lifetime_debug_stop_nowait() - a timer or work was stopped without waiting
 * @obj:	the timer, hrtimer or work item
 * @fn:		its callback
 * @how:	the call, for the report ("timer_delete()")
 *
 * When @fn is in a module whose exit is running, the stop is remembered:
 * unless the exit later waits for @obj, the callback may still be running
 * when the module's code is freed, and the unload check reports it.
 *
 * Context: any context.
 */
static __always_inline void lifetime_debug_stop_nowait(const void *obj, const void *fn,
						       const char *how)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_stop_nowait(obj, fn, how);
}

/**
 * lifetime_debug_stop_waited() - the caller waited for @obj's callback
 * @obj: the timer, hrtimer or work item
 */
static __always_inline void lifetime_debug_stop_waited(const void *obj)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_stop_waited(obj);
}
#else
static inline void lifetime_debug_stop_nowait(const void *obj, const void *fn,
					      const char *how) { }
static inline void lifetime_debug_stop_waited(const void *obj) { }
#endif

struct cdev;
struct file;

extern int lifetime_debug_nr_reach;
extern int lifetime_debug_nr_files;
void __lifetime_debug_cdev_add(struct cdev *p, bool embedded);
void __lifetime_debug_cdev_init(struct cdev *p);
void __lifetime_debug_file_open(struct file *file);
void __lifetime_debug_file_release(struct file *file);
void __lifetime_debug_free(const void *obj, size_t size, unsigned long ip);

/**
 * lifetime_debug_cdev_add() - a character device was added
 * @p:		the cdev
 * @embedded:	set up by cdev_init(), in memory that someone else frees
 *
 * Context: process context.
 */
static __always_inline void lifetime_debug_cdev_add(struct cdev *p, bool embedded)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_cdev_add(p, embedded);
}

/**
 * lifetime_debug_cdev_init() - a cdev is set up by cdev_init()
 * @p: the cdev
 *
 * Drops a record of an earlier registration at this address. One load when
 * nothing is recorded.
 */
static __always_inline void lifetime_debug_cdev_init(struct cdev *p)
{
	if (unlikely(READ_ONCE(lifetime_debug_nr_reach)))
		__lifetime_debug_cdev_init(p);
}

/**
 * lifetime_debug_file_open() - a character device file was opened
 * @file: the file, after its driver's ->open succeeded
 *
 * Context: process context.
 */
static __always_inline void lifetime_debug_file_open(struct file *file)
{
	if (lifetime_debug_enabled())
		__lifetime_debug_file_open(file);
}

/**
 * lifetime_debug_file_release() - a character device file is closed
 * @file: the file, before its driver's ->release
 *
 * Also when switched off meanwhile: the file's record must go. One load
 * when no file is recorded.
 *
 * Context: process context.
 */
static __always_inline void lifetime_debug_file_release(struct file *file)
{
	if (unlikely(READ_ONCE(lifetime_debug_nr_files)))
		__lifetime_debug_file_release(file);
}

/**
 * lifetime_debug_free() - slab memory is being freed
 * @obj:	the object, still intact
 * @size:	its size
 * @ip:		the caller of the free
 *
 * Reports memory an open file reaches, or memory holding a cdev that
 * nothing ties to it. Called unconditionally; one load when no cdev or
 * file is recorded.
 *
 * Context: any context but NMI.
 */
static __always_inline void lifetime_debug_free(const void *obj, size_t size,
						unsigned long ip)
{
	if (unlikely(READ_ONCE(lifetime_debug_nr_reach)))
		__lifetime_debug_free(obj, size, ip);
}

/**
 * lifetime_debug_kasan_access() - KASAN saw a poisoned access: is it ours?
 * @addr:	access address
 * @size:	access size
 * @write:	write access
 * @ip:		access site
 *
 * Called first thing in kasan_report(). Returns true when every poisoned
 * granule of the access carries our marker and the access stays inside
 * the tagged bytes: the access is then classified (and maybe reported) by
 * the sanitizer and KASAN must not report it. Any other poison, including
 * an overrun of a tagged object's last granule, returns false: KASAN
 * reports it as before.
 *
 * Return: true if KASAN must treat the access as valid.
 */
static __always_inline bool lifetime_debug_kasan_access(const void *addr, size_t size,
							 bool write, unsigned long ip)
{
	return __lifetime_debug_kasan_access(addr, size, write, ip);
}

/**
 * lifetime_debug_kasan_story() - add the domain story to a KASAN report
 * @addr: the bad access address
 *
 * Context: inside KASAN's report, interrupts off.
 */
static __always_inline void lifetime_debug_kasan_story(const void *addr)
{
	__lifetime_debug_kasan_story(addr);
}

#else /* CONFIG_LIFETIME_DEBUG */

static inline bool lifetime_debug_shadow_is_tag(u8 shadow) { return false; }
static inline void lifetime_debug_devres_tag(struct device *dev, void *data,
					     size_t size) { }
static inline void lifetime_debug_untag(const void *data, size_t size,
					const char *how) { }
static inline void lifetime_debug_ures_tag(const void *owner, void *mem,
					   size_t size, const char *name,
					   const struct lockdep_map *section) { }
static inline void lifetime_debug_domain_teardown_begin(const void *owner) { }
static inline void lifetime_debug_domain_teardown_end(const void *owner) { }
static inline void lifetime_debug_teardown_begin(struct device *dev) { }
static inline void lifetime_debug_teardown_end(struct device *dev) { }
static inline void lifetime_debug_note_sync(const struct lockdep_map *map) { }
static inline void lifetime_debug_note_sync_obj(const void *obj) { }
static inline void lifetime_debug_untag_primitive(const void *obj, size_t size) { }
static inline void lifetime_debug_ctx_enter(const void *obj, const char *what) { }
static inline void lifetime_debug_ctx_exit(const void *obj) { }
static inline void lifetime_debug_task_ctx_enter(const void *obj, const char *what) { }
static inline void lifetime_debug_task_ctx_exit(const void *obj) { }
static inline void lifetime_debug_stop_nowait(const void *obj, const void *fn,
					      const char *how) { }
static inline void lifetime_debug_stop_waited(const void *obj) { }
static inline bool lifetime_debug_kasan_access(const void *addr, size_t size,
					       bool write, unsigned long ip)
{
	return false;
}
static inline void lifetime_debug_kasan_story(const void *addr) { }
struct cdev;
struct file;
static inline void lifetime_debug_cdev_add(struct cdev *p, bool embedded) { }
static inline void lifetime_debug_cdev_init(struct cdev *p) { }
static inline void lifetime_debug_file_open(struct file *file) { }
static inline void lifetime_debug_file_release(struct file *file) { }
static inline void lifetime_debug_free(const void *obj, size_t size,
				       unsigned long ip) { }

#endif /* CONFIG_LIFETIME_DEBUG */

#endif /* _LINUX_LIFETIME_DEBUG_DOMAIN_H */
