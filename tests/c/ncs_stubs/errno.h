/* Zephyr's errno numbering (lib/libc), which differs from the host's for ENOTSUP. */
#ifndef STUB_ERRNO_H_
#define STUB_ERRNO_H_
#define EPERM 1
#define EINVAL 22
#define EMSGSIZE 122
#define EACCES 13
#define ENOTSUP 134
#endif
