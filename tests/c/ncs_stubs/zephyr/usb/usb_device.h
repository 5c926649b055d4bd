#include <zephyr/kernel.h>
enum usb_dc_status_code { USB_DC_ERROR };
typedef void (*usb_dc_status_callback)(enum usb_dc_status_code cb_status, const uint8_t *param);
int usb_enable(usb_dc_status_callback status_cb);
