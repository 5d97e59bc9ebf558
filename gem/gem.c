#include "gem/gem.h"

#include "gem/esp.h"
#include "gem/gem_keys.h"
#include "gem/gem_receive.h"
#include "gem/gem_send.h"

/* ESP first (the GEM layer sends through it), then the keys before the
 * roles that use them. */
void gem_init(void)
{
    esp_register();
    gem_keys_register();
    gem_send_register();
    gem_receive_register();
}
