#include <zephyr/kernel.h>
enum ftp_reply_code { FTP_CODE_200 = 200, FTP_CODE_221 = 221, FTP_CODE_226 = 226,
		      FTP_CODE_230 = 230 };
enum ftp_trasfer_type { FTP_TYPE_ASCII, FTP_TYPE_BINARY };
typedef void (*ftp_client_callback_t)(const uint8_t *msg, uint16_t len);
int ftp_init(ftp_client_callback_t ctrl_callback, ftp_client_callback_t data_callback);
int ftp_open(const char *hostname, uint16_t port, int sec_tag);
int ftp_login(const char *username, const char *password);
int ftp_type(enum ftp_trasfer_type type);
int ftp_get(const char *file);
int ftp_close(void);
