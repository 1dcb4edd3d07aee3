/* strerror.c — text for the EMOL* codes of m3ipc.h (shared by every backend). */
#include "m3ipc.h"

static const char *const messages[] = {
	[-EMOLGENERIC - _EMOL_BASE]    = "unexpected system error",
	[-EMOLNOSYS - _EMOL_BASE]      = "backend unknown or not available",
	[-EMOLNOTINIT - _EMOL_BASE]    = "IPC system not initialised (mnx_drvs_init)",
	[-EMOLINVAL - _EMOL_BASE]      = "invalid argument",
	[-EMOLBADVMID - _EMOL_BASE]    = "bad VM id or VM not initialised",
	[-EMOLVMEXIST - _EMOL_BASE]    = "VM already exists",
	[-EMOLENDPOINT - _EMOL_BASE]   = "bad endpoint",
	[-EMOLNOTBIND - _EMOL_BASE]    = "not bound",
	[-EMOLBUSY - _EMOL_BASE]       = "resource busy",
	[-EMOLDEADSRCDST - _EMOL_BASE] = "source/destination endpoint is dead",
	[-EMOLSRCDIED - _EMOL_BASE]    = "source died during the call",
	[-EMOLDSTDIED - _EMOL_BASE]    = "destination died during the call",
	[-EMOLTIMEDOUT - _EMOL_BASE]   = "timed out",
	[-EMOLAGAIN - _EMOL_BASE]      = "would block",
	[-EMOLRANGE - _EMOL_BASE]      = "length out of range",
	[-EMOLPROCSTS - _EMOL_BASE]    = "peer not blocked in a receive",
	[-EMOLDEADLOCK - _EMOL_BASE]   = "call would deadlock (peer is the caller)",
	[-EMOLFAULT - _EMOL_BASE]      = "bad address",
	[-EMOLPRIVILEGES - _EMOL_BASE] = "not permitted",
	[-EMOLNOMEM - _EMOL_BASE]      = "out of memory",
	[-EMOLINTR - _EMOL_BASE]       = "interrupted (VM ended)",
};

const char *mnx_strerror(int err)
{
	if (err == EMOLOK)
		return "success";
	int i = -err - _EMOL_BASE;
	if (err < 0 && i > 0 && i < (int)(sizeof messages / sizeof messages[0]) && messages[i])
		return messages[i];
	return "unknown error";
}
