#include <zephyr/kernel.h>
int boot_write_img_confirmed(void);
