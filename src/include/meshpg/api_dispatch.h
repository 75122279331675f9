/*-------------------------------------------------------------------------
 *
 * api_dispatch.h
 *	  Who called the mesh API, as recorded by the dispatcher.
 *
 * Implementations of the API (mesh._<name>) run as the extension owner; the
 * few C helpers they call that must act with the caller's settings (the
 * caller's search_path, for instance) read them from here.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_API_DISPATCH_H
#define MESHPG_API_DISPATCH_H

typedef struct MeshApiCall
{
	Oid			caller;			/* the role that called the public function */
	const char *search_path;	/* its search_path at the time of the call */
	const char *function;		/* name of the public function */
	struct MeshApiCall *outer;	/* an enclosing API call, if any */
} MeshApiCall;

/*
 * The innermost API call in progress; raises an error naming "helper" when
 * there is none, because internal helpers must only run inside the API.
 */
extern const MeshApiCall *meshpg_current_api_call(const char *helper);

#endif							/* MESHPG_API_DISPATCH_H */
