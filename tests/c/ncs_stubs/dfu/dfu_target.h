#ifndef STUB_DFU_TARGET_H_
#define STUB_DFU_TARGET_H_
#include <zephyr/types.h>
enum dfu_target_image_type {
	DFU_TARGET_IMAGE_TYPE_NONE = 0,
	DFU_TARGET_IMAGE_TYPE_MCUBOOT = 1,
};
enum dfu_target_evt_id { DFU_TARGET_EVT_ERASE_PENDING, DFU_TARGET_EVT_TIMEOUT };
typedef void (*dfu_target_callback_t)(enum dfu_target_evt_id evt_id);
enum dfu_target_image_type dfu_target_img_type(const void *const buf, size_t len);
int dfu_target_init(int img_type, int img_num, size_t file_size, dfu_target_callback_t cb);
int dfu_target_write(const void *const buf, size_t len);
int dfu_target_done(bool successful);
int dfu_target_reset(void);
int dfu_target_schedule_update(int img_num);
#endif
