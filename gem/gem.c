#include "gem/gem.h"

#include "gem/gem_keys.h"
#include "gem/gem_receive.h"
#include "gem/gem_send.h"

/* The keys before the roles that use them.  (ESP's esp_register() goes
 * first once gem/esp.c exists: the GEM layer sends through it.) */
void gem_init(void)
{
    gem_keys_register();
    gem_send_register();
    gem_receive_register();
}
