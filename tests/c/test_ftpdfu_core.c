/*
 * Unit tests of ftpdfu_core.c against a fake port in C: a dfu_target with NCS v2.6.0 return
 * codes over a RAM slot and an ftp_client that feeds a file in fixed-size chunks.
 * Built and run by tests/unit/test_firmware_core_c.py; prints "ok N" or "FAIL ..." lines.
 * The late-data tests run the ftp_client's data task as a real thread, as ftp_client.c does
 * after ftp_get() returned on any end but 226 (l.377).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftpdfu_core.h"

#define EIO 5
#define ENOMEM 12
#define EACCES 13
#define EFBIG 27
#define ENOTSUP 134

#define SLOT_SIZE 8192
#define PAGE 4096
#define MAX_LINES 16
#define EPERM 1
#define EMSGSIZE 122

static struct {
	uint8_t slot[SLOT_SIZE];
	size_t offset;
	int current;
	int fail_write_at; /* 1-based write call that fails with -EIO, 0 = never */
	int writes;
	int inits;
	int done_calls;
	int done_ok;
	int writes_after_done; /* dfu_target_write() after dfu_target_done(): must stay 0 */
	volatile int done_seen; /* done called since the last reset */
	volatile int get_returned; /* the data task runs on its own: flash writes take time */
	int resets;
	const uint8_t *file;
	size_t file_len;
	size_t first_chunk; /* size of the first data callback, 0 = same as chunk */
	size_t chunk;
	int login_rc;
	int type_calls;
	int type_binary;
	int get_rc;
	int closes;
	char lines[MAX_LINES][FTPDFU_LINE_MAX];
	int n_lines;
} fake;

static struct ftpdfu core;
static int failures;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond)) {                                                            \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
			failures++;                                                       \
		}                                                                         \
	} while (0)

static int img_type(const uint8_t *buf, size_t len)
{
	static const uint8_t magic[4] = {0x3d, 0xb8, 0xf3, 0x96};

	return len >= FTPDFU_HEAD_LEN && memcmp(buf, magic, 4) == 0 ? 1 : 0;
}

static int dfu_init(int type, int img_num, size_t file_size)
{
	fake.inits++;
	if (type != 1 || img_num != 0) {
		return -ENOTSUP;
	}
	fake.current = 1; /* dfu_target.c sets the target before the MCUboot init can fail */
	if (file_size > SLOT_SIZE) {
		return -EFBIG;
	}
	fake.offset = 0;
	return 0;
}

static void wait_for_the_data_task(void);
static void slow_flash(void);

static int dfu_write(const uint8_t *buf, size_t len)
{
	fake.writes++;
	slow_flash(); /* a write the data task started may still run when the shell ends */
	if (fake.done_seen) {
		fake.writes_after_done++;
	}
	if (!fake.current) {
		return -EACCES;
	}
	if (fake.writes == fake.fail_write_at) {
		return -EIO;
	}
	if (fake.offset + len > SLOT_SIZE) {
		return -ENOMEM;
	}
	memcpy(&fake.slot[fake.offset], buf, len);
	fake.offset += len;
	return 0;
}

static int dfu_done(int successful)
{
	fake.done_calls++;
	fake.done_seen = 1;
	wait_for_the_data_task(); /* flushing takes flash time: the data task runs meanwhile */
	fake.done_ok = successful;
	return fake.current ? 0 : -EACCES;
}

static int dfu_reset(void)
{
	fake.resets++;
	fake.done_seen = 0;
	if (!fake.current) {
		return -EACCES;
	}
	memset(fake.slot, 0xff, PAGE);
	fake.current = 0;
	fake.offset = 0;
	return 0;
}

static int dfu_schedule(int img_num)
{
	return fake.current && img_num == 0 ? 0 : -EACCES;
}

static int img_confirm(void)
{
	return 0;
}

static int ftp_open(const char *host, uint16_t port)
{
	return strcmp(host, "192.0.2.2") == 0 && port == 21 ? 200 : -111;
}

static int ftp_login(const char *user, const char *password)
{
	(void)user;
	(void)password;
	return fake.login_rc;
}

static int ftp_type(int binary)
{
	fake.type_calls++;
	fake.type_binary = binary;
	return 200;
}

static int (*ftp_get_hook)(void); /* replaces the in-line feed below when set */

static int ftp_get(const char *path)
{
	size_t at = 0;

	(void)path;
	if (ftp_get_hook != NULL) {
		return ftp_get_hook();
	}
	while (at < fake.file_len) {
		size_t want = at == 0 && fake.first_chunk ? fake.first_chunk : fake.chunk;
		size_t n = fake.file_len - at < want ? fake.file_len - at : want;

		ftpdfu_on_data(&core, &fake.file[at], n);
		at += n;
	}
	return fake.get_rc;
}

static int ftp_close(void)
{
	fake.closes++;
	return 221;
}

static void print(const char *line)
{
	if (fake.n_lines < MAX_LINES) {
		snprintf(fake.lines[fake.n_lines], FTPDFU_LINE_MAX, "%s", line);
	}
	fake.n_lines++;
}

static pthread_mutex_t data_mutex = PTHREAD_MUTEX_INITIALIZER;

static void lock(void)
{
	pthread_mutex_lock(&data_mutex);
}

static void unlock(void)
{
	pthread_mutex_unlock(&data_mutex);
}

static const struct ftpdfu_port port = {
	img_type, dfu_init, dfu_write, dfu_done, dfu_reset, dfu_schedule, img_confirm,
	ftp_open, ftp_login, ftp_type, ftp_get, ftp_close, print, lock, unlock,
};

static uint8_t image[3 * PAGE];

static void make_image(uint8_t seed)
{
	for (size_t i = 0; i < sizeof(image); i++) {
		image[i] = (uint8_t)(i * 7 + seed);
	}
	memcpy(image, "\x3d\xb8\xf3\x96", 4);
}

/* Power-on state: a fresh dfu_target (no current target) and a fresh core. */
static void boot_flavour(unsigned int flags)
{
	memset(&fake, 0, sizeof(fake));
	memset(fake.slot, 0xff, sizeof(fake.slot));
	fake.login_rc = 230;
	fake.get_rc = 226;
	ftp_get_hook = NULL;
	ftpdfu_init(&core, &port, "1.0.0+0", flags);
}

static void boot(void)
{
	boot_flavour(0);
}

static void download(size_t len, size_t chunk, const char *size, const char *mode)
{
	fake.file = image;
	fake.file_len = len;
	fake.chunk = chunk;
	fake.n_lines = 0;
	ftpdfu_get(&core, "192.0.2.2", "21", "user", "pw", "app_update.bin", size, mode);
}

static const char *last_line(void)
{
	return fake.n_lines > 0 ? fake.lines[(fake.n_lines - 1) % MAX_LINES] : "";
}

static void test_every_chunk_size_gives_the_same_slot(void)
{
	make_image(1);
	for (size_t chunk = 1; chunk <= FTPDFU_CHUNK_MAX; chunk++) {
		boot();
		download(5000, chunk, "5000", "binary");
		if (memcmp(fake.slot, image, 5000) != 0 || fake.done_calls != 1 || !fake.done_ok ||
		    strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=0 rx=5000 late=0") != 0) {
			printf("FAIL chunk size %zu: %s\n", chunk, last_line());
			failures++;
		}
	}
}

static void test_chunk_boundaries_around_the_header(void)
{
	static const size_t firsts[] = {1, 31, 32, 33, 708};
	static const int writes[] = {3, 3, 2, 3, 3};

	make_image(2);
	for (size_t i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++) {
		boot();
		fake.first_chunk = firsts[i];
		download(1000, 968, "1000", "binary");
		CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=0 rx=1000 late=0") == 0);
		CHECK(fake.inits == 1 && fake.writes == writes[i]);
		CHECK(memcmp(fake.slot, image, 1000) == 0 && fake.offset == 1000);
	}
}

static void test_file_shorter_than_the_header(void)
{
	boot();
	make_image(3);
	download(20, 708, "20", "binary");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=-134 rx=20 late=0") == 0);
	CHECK(fake.inits == 0 && fake.writes == 0 && fake.done_calls == 0);
}

static void test_announced_size_too_big_is_efbig(void)
{
	boot();
	make_image(4);
	download(2000, 708, "8193", "binary");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=-27 rx=2000 late=0") == 0);
	CHECK(fake.writes == 0 && fake.done_calls == 0);
}

static void test_overflowing_the_slot_is_enomem(void)
{
	boot();
	make_image(5);
	download(SLOT_SIZE + 500, 708, "100", "binary");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=-12 rx=8692 late=0") == 0);
	CHECK(fake.done_calls == 1 && !fake.done_ok);
}

static void test_error_mid_stream_stops_writing(void)
{
	boot();
	make_image(6);
	fake.fail_write_at = 3;
	download(5000, 708, "5000", "default");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=-5 rx=5000 late=0") == 0);
	CHECK(fake.writes == 3 && fake.done_calls == 1 && !fake.done_ok);
	CHECK(fake.type_calls == 0);
}

static void test_reset_between_downloads(void)
{
	boot();
	make_image(7);
	download(6000, 500, "6000", "binary");
	CHECK(fake.resets == 1 && fake.offset == 6000);
	make_image(8);
	download(5000, 333, "5000", "ascii");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=0 rx=5000 late=0") == 0);
	CHECK(fake.resets == 2 && fake.type_calls == 2 && fake.type_binary == 0);
	CHECK(memcmp(fake.slot, image, 5000) == 0 && fake.offset == 5000);
}

static void test_ftp_failures_and_arguments(void)
{
	boot();
	make_image(9);
	fake.login_rc = 530;
	download(5000, 708, "5000", "binary");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=530 dfu=0 rx=0 late=0") == 0);
	CHECK(fake.type_calls == 0 && fake.closes == 1);

	boot();
	fake.get_rc = 451;
	download(5000, 708, "5000", "binary");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=451 dfu=0 rx=5000 late=0") == 0);
	CHECK(fake.done_calls == 1 && !fake.done_ok);

	boot();
	download(10, 708, "10", "ebcdic");
	CHECK(strcmp(last_line(), "FTPDFU_ERROR bad argument in: 21 10 ebcdic") == 0);
	CHECK(fake.resets == 0);

	unsigned long v = 0;

	CHECK(ftpdfu_parse_uint("0x10", 65535, &v) == 0 && v == 16);
	CHECK(ftpdfu_parse_uint("00", 65535, &v) == 0 && v == 0);
	CHECK(ftpdfu_parse_uint("010", 65535, &v) != 0);
	CHECK(ftpdfu_parse_uint("65536", 65535, &v) != 0);
	CHECK(ftpdfu_parse_uint("-1", 65535, &v) != 0);
	CHECK(ftpdfu_parse_uint("0x", 65535, &v) != 0);
}

static void test_ctrl_reply_lines(void)
{
	static const char reply[] = "150 File status okay.\r\n \r\n226 Transfer complete.\r\n";

	boot();
	ftpdfu_on_ctrl(&core, (const uint8_t *)reply, sizeof(reply) - 1);
	CHECK(fake.n_lines == 2);
	CHECK(strcmp(fake.lines[0], "FTPCTRL 150 File status okay.") == 0);
	CHECK(strcmp(fake.lines[1], "FTPCTRL 226 Transfer complete.") == 0);
}

static int line_seen(const char *text)
{
	for (int i = 0; i < fake.n_lines && i < MAX_LINES; i++) {
		if (strcmp(fake.lines[i], text) == 0) {
			return 1;
		}
	}
	return 0;
}

static void test_banner_and_status_name_the_flavour(void)
{
	boot();
	ftpdfu_ready(&core);
	ftpdfu_status(&core);
	CHECK(strcmp(fake.lines[0], "FTPDFU_READY version=1.0.0+0 flavour=seed") == 0);
	CHECK(strcmp(fake.lines[1], "FTPDFU_STATUS flavour=seed last=none late=0 calls=0") == 0);
	boot_flavour(FTPDFU_HARDENED);
	ftpdfu_ready(&core);
	CHECK(strcmp(fake.lines[0], "FTPDFU_READY version=1.0.0+0 flavour=hardened") == 0);
}

/* The ftp_client data task: keeps delivering after ftp_get() returned. */
#define LATE_CHUNK 200
#define IN_TIME_CHUNKS 3
#define LATE_CHUNKS 30

static struct {
	pthread_t thread;
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	int delivered;
} task = {.mutex = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void slow_flash(void)
{
	if (fake.get_returned) {
		struct timespec pause = {.tv_sec = 0, .tv_nsec = 2000000};

		nanosleep(&pause, NULL);
	}
}

/* Until the data task delivered one more chunk (or all of them). */
static void wait_for_the_data_task(void)
{
	if (!fake.get_returned) {
		return;
	}
	pthread_mutex_lock(&task.mutex);
	int seen = task.delivered;

	while (task.delivered == seen && task.delivered < IN_TIME_CHUNKS + LATE_CHUNKS) {
		pthread_cond_wait(&task.cond, &task.mutex);
	}
	pthread_mutex_unlock(&task.mutex);
}

static void *data_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < IN_TIME_CHUNKS + LATE_CHUNKS; i++) {
		ftpdfu_on_data(&core, &image[(size_t)i * LATE_CHUNK % 2048], LATE_CHUNK);
		pthread_mutex_lock(&task.mutex);
		task.delivered++;
		pthread_cond_signal(&task.cond);
		pthread_mutex_unlock(&task.mutex);
		sched_yield();
	}
	return NULL;
}

/* ftp_get() seeing a 451 after a few chunks: returns at once, the data task runs on. */
static int ftp_get_returning_early(void)
{
	fake.get_returned = 1; /* from the first chunk on, flash writes take a while */
	pthread_create(&task.thread, NULL, data_task, NULL);
	pthread_mutex_lock(&task.mutex);
	while (task.delivered < IN_TIME_CHUNKS) {
		pthread_cond_wait(&task.cond, &task.mutex);
	}
	pthread_mutex_unlock(&task.mutex);
	return 451;
}

static void test_late_data_after_a_failed_end_never_reaches_flash(void)
{
	for (int round = 0; round < 20; round++) {
		int rx;
		int late;
		char status[FTPDFU_LINE_MAX];

		boot();
		make_image(10);
		task.delivered = 0;
		ftp_get_hook = ftp_get_returning_early;
		download(0, 708, "6600", "binary");
		pthread_join(task.thread, NULL);
		CHECK(fake.done_calls == 1 && !fake.done_ok);
		CHECK(fake.writes_after_done == 0);
		CHECK(sscanf(last_line(), "FTPDFU_RESULT ftp=451 dfu=0 rx=%d late=%d", &rx, &late) == 2);
		ftpdfu_status(&core);
		snprintf(status, sizeof(status), "FTPDFU_STATUS flavour=seed last=failed late=%d calls=%d",
			 (IN_TIME_CHUNKS + LATE_CHUNKS) * LATE_CHUNK - rx,
			 IN_TIME_CHUNKS + LATE_CHUNKS - rx / LATE_CHUNK);
		CHECK(strcmp(last_line(), status) == 0);
		CHECK(rx >= IN_TIME_CHUNKS * LATE_CHUNK && rx % LATE_CHUNK == 0 && late <= LATE_CHUNKS * LATE_CHUNK);
		CHECK(fake.offset <= (size_t)rx);
	}
}

/* A port with a writer thread calls ftpdfu_data_end() at its end-of-queue marker. */
static int ftp_get_with_end_marker(void)
{
	ftpdfu_on_data(&core, image, 700);
	ftpdfu_on_data(&core, &image[700], 700);
	ftpdfu_data_end(&core);
	ftpdfu_on_data(&core, &image[1400], 700);
	return 226;
}

static void test_data_after_the_ports_end_marker_is_late(void)
{
	boot();
	make_image(11);
	ftp_get_hook = ftp_get_with_end_marker;
	download(0, 708, "1400", "binary");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=0 rx=1400 late=700") == 0);
	CHECK(fake.offset == 1400 && fake.writes_after_done == 0);
}

static void test_hardened_refuses_a_grown_file_and_its_schedule(void)
{
	boot_flavour(FTPDFU_HARDENED);
	make_image(12);
	download(5000, 708, "4000", "default"); /* ASCII mode made 4000 bytes into 5000 */
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=-122 rx=5000 late=0") == 0);
	CHECK(fake.done_calls == 1 && !fake.done_ok);
	CHECK(fake.offset == 4000 && memcmp(fake.slot, image, 4000) == 0);
	CHECK(ftpdfu_schedule(&core) == -EPERM);
	CHECK(strcmp(last_line(), "FTPDFU_SCHEDULE rc=-1 refused: last download size-mismatch") == 0);
}

static void test_hardened_refuses_a_truncated_file_that_ended_226(void)
{
	boot_flavour(FTPDFU_HARDENED);
	make_image(13);
	download(3000, 708, "5000", "binary");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=-122 rx=3000 late=0") == 0);
	CHECK(fake.done_calls == 1 && !fake.done_ok);
	CHECK(ftpdfu_schedule(&core) == -EPERM);
}

static void test_hardened_schedules_only_after_a_good_download(void)
{
	boot_flavour(FTPDFU_HARDENED);
	make_image(14);
	CHECK(ftpdfu_schedule(&core) == -EPERM);
	CHECK(strcmp(last_line(), "FTPDFU_SCHEDULE rc=-1 refused: last download none") == 0);
	fake.get_rc = 426;
	download(5000, 708, "5000", "binary");
	CHECK(ftpdfu_schedule(&core) == -EPERM);
	CHECK(strcmp(last_line(), "FTPDFU_SCHEDULE rc=-1 refused: last download failed") == 0);
	fake.get_rc = 226;
	download(5000, 708, "5000", "binary");
	CHECK(strcmp(fake.lines[0], "FTPDFU_RESULT ftp=226 dfu=0 rx=5000 late=0") == 0);
	CHECK(fake.done_ok && ftpdfu_schedule(&core) == 0);
	CHECK(line_seen("FTPDFU_SCHEDULE rc=0"));
}

static void test_seed_accepts_a_grown_file_as_before(void)
{
	boot();
	make_image(15);
	download(5000, 708, "4000", "default");
	CHECK(strcmp(last_line(), "FTPDFU_RESULT ftp=226 dfu=0 rx=5000 late=0") == 0);
	CHECK(fake.done_ok && fake.offset == 5000 && ftpdfu_schedule(&core) == 0);
	boot();
	CHECK(ftpdfu_schedule(&core) == -EACCES); /* seed: dfu_target decides, as before */
}

int main(void)
{
	test_every_chunk_size_gives_the_same_slot();
	test_chunk_boundaries_around_the_header();
	test_file_shorter_than_the_header();
	test_announced_size_too_big_is_efbig();
	test_overflowing_the_slot_is_enomem();
	test_error_mid_stream_stops_writing();
	test_reset_between_downloads();
	test_ftp_failures_and_arguments();
	test_ctrl_reply_lines();
	test_banner_and_status_name_the_flavour();
	test_late_data_after_a_failed_end_never_reaches_flash();
	test_data_after_the_ports_end_marker_is_late();
	test_hardened_refuses_a_grown_file_and_its_schedule();
	test_hardened_refuses_a_truncated_file_that_ended_226();
	test_hardened_schedules_only_after_a_good_download();
	test_seed_accepts_a_grown_file_as_before();
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
