/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lifetime sanitizer: hooks called by other subsystems.
 *
 * See Documentation/dev-tools/lifetime-debug.rst.
 */
#ifndef _LINUX_LIFETIME_DEBUG_H
#define _LINUX_LIFETIME_DEBUG_H

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

#else /* CONFIG_LIFETIME_DEBUG */

static inline bool lifetime_debug_enabled(void) { return false; }

#endif /* CONFIG_LIFETIME_DEBUG */

#endif /* _LINUX_LIFETIME_DEBUG_H */
