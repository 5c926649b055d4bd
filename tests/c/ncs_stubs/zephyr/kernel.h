#ifndef STUB_ZEPHYR_KERNEL_H_
#define STUB_ZEPHYR_KERNEL_H_

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


#define BUILD_ASSERT(cond, msg) _Static_assert(cond, msg)
#define __aligned(x) __attribute__((aligned(x)))
#define ARG_UNUSED(x) (void)(x)
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* IS_ENABLED(CONFIG_X): 1 when CONFIG_X is defined as 1, else 0 (as Zephyr's util_macro.h). */
#define STUB_PICK_SECOND(first, second, ...) second
#define STUB_IS_ONE_1 ~, 1
#define STUB_EXPAND_PICK(...) STUB_PICK_SECOND(__VA_ARGS__)
#define STUB_IS_ONE(value) STUB_EXPAND_PICK(STUB_IS_ONE_##value, 0, ~)
#define IS_ENABLED(config) STUB_IS_ONE(config)

typedef struct { int64_t ticks; } k_timeout_t;
#define K_FOREVER ((k_timeout_t){-1})

struct k_msgq { size_t msg_size; };
struct k_sem { unsigned int count; };
struct k_mutex { int lock; };

#define K_MSGQ_DEFINE(name, size, max, align) \
	struct k_msgq name = {.msg_size = (size) + 0 * (max) * (align)}
#define K_SEM_DEFINE(name, initial, limit) struct k_sem name = {(initial) + 0 * (limit)}
#define K_MUTEX_DEFINE(name) struct k_mutex name

typedef void (*k_thread_entry_t)(void *p1, void *p2, void *p3);
struct k_thread_def { k_thread_entry_t entry; size_t stack; int prio; };
#define K_THREAD_DEFINE(name, stack_size, entry, p1, p2, p3, prio, options, delay) \
	const struct k_thread_def name = {(entry), (stack_size), (prio) + 0 * (options) + 0 * (delay)}

int k_msgq_put(struct k_msgq *msgq, const void *data, k_timeout_t timeout);
int k_msgq_get(struct k_msgq *msgq, void *data, k_timeout_t timeout);
void k_msgq_purge(struct k_msgq *msgq);
void k_sem_give(struct k_sem *sem);
int k_sem_take(struct k_sem *sem, k_timeout_t timeout);
void k_sem_reset(struct k_sem *sem);
int k_mutex_lock(struct k_mutex *mutex, k_timeout_t timeout);
int k_mutex_unlock(struct k_mutex *mutex);

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintk(char *str, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
