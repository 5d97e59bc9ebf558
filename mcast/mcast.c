#include "mcast/mcast.h"
#include "mcast/attach.h"
#include "mcast/autoher.h"
#include "mcast/igmp.h"
#include "mcast/mcif.h"
#include "mcast/mrib.h"
#include "mcast/native_sa.h"
#include "mcast/norm.h"
#include "mcast/pim.h"
#include "mcast/sa.h"

/* Each part of the subsystem registers itself here, in dependency order
 * (the SA table before what originates SAs). */
void mcast_init(void)
{
    mcif_register();
    mrib_register();
    igmp_register();
    sa_register();
    pim_register();
    native_sa_register();
    norm_init();
    autoher_register();
    attach_register();
}
