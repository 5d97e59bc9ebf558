#include "gem/gem.h"

#include "gem/esp.h"
#include "gem/gem_dp.h"
#include "gem/gem_keys.h"
#include "gem/gem_receive.h"
#include "gem/gem_send.h"

/* The data-plane worker first (it stops last), then ESP (the GEM layer
 * sends through it), then the keys before the roles that use them. */
void gem_init(void)
{
    gem_dp_register();
    esp_register();
    gem_keys_register();
    gem_send_register();
    gem_receive_register();
}
