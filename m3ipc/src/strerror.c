/* strerror.c — text for the EMOL* codes of m3ipc.h (shared by every backend). */
#include "m3ipc.h"

const char *mnx_strerror(int err)
{
	switch (err) {
	case EMOLOK:         return "success";
	case EMOLINTR:       return "interrupted (VM or binding ended)";
	case EMOLAGAIN:      return "would block";
	case EMOLNOMEM:      return "out of memory";
	case EMOLFAULT:      return "bad address";
	case EMOLBUSY:       return "resource busy";
	case EMOLINVAL:      return "invalid argument";
	case EMOLRANGE:      return "length out of range";
	case EMOLDEADLOCK:   return "call would deadlock (peer is the caller)";
	case EMOLNOSYS:      return "backend unknown or not available";
	case EMOLTIMEDOUT:   return "timed out";
	case EMOLGENERIC:    return "unexpected system error";
	case EMOLDEADSRCDST: return "source/destination endpoint is dead";
	case EMOLSRCDIED:    return "source died during the call";
	case EMOLDSTDIED:    return "destination died during the call";
	case EMOLBADVMID:    return "bad VM id or VM not initialised";
	case EMOLENDPOINT:   return "bad endpoint";
	case EMOLNOTBIND:    return "not bound";
	case EMOLNOTINIT:    return "IPC system not initialised (mnx_drvs_init)";
	case EMOLVMEXIST:    return "VM already exists";
	case EMOLPROCSTS:    return "peer not blocked in a receive";
	case EMOLPRIVILEGES: return "not permitted (another user's VM or process)";
	default:             return "unknown error";
	}
}
