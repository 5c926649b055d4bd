#ifndef STUB_ZEPHYR_SHELL_H_
#define STUB_ZEPHYR_SHELL_H_

#include <zephyr/kernel.h>

struct shell;
typedef int (*shell_cmd_handler)(const struct shell *sh, size_t argc, char **argv);

struct shell_static_entry;
union shell_cmd_entry {
	const struct shell_static_entry *entry;
};

struct shell_static_entry {
	const char *syntax;
	const char *help;
	const union shell_cmd_entry *subcmd;
	shell_cmd_handler handler;
	uint8_t mandatory;
	uint8_t optional;
};

#define SHELL_CMD_ARG(syntax, subcmd, help, handler, mand, opt) \
	{#syntax, help, subcmd, handler, mand, opt}
#define SHELL_CMD(syntax, subcmd, help, handler) SHELL_CMD_ARG(syntax, subcmd, help, handler, 0, 0)
#define SHELL_SUBCMD_SET_END {NULL, NULL, NULL, NULL, 0, 0}
#define SHELL_STATIC_SUBCMD_SET_CREATE(name, ...) \
	static const struct shell_static_entry shell_##name[] = {__VA_ARGS__}; \
	static const union shell_cmd_entry name = {.entry = shell_##name}
#define SHELL_CMD_REGISTER(name, subcmd, help, handler) \
	const struct shell_static_entry shell_cmd_##name = {#name, help, subcmd, handler, 0, 0}

void shell_fprintf(const struct shell *sh, int color, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define shell_print(sh, fmt, ...) shell_fprintf(sh, 0, fmt "\n", ##__VA_ARGS__)

#endif
