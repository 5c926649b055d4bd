#include <dfu/dfu_target.h>
int dfu_target_mcuboot_set_buf(uint8_t *buf, size_t len);
