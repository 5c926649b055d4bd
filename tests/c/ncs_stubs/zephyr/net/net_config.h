#include <zephyr/kernel.h>
struct device;
int net_config_init_app(const struct device *dev, const char *app_info);
