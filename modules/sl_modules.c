/*
 * sl_modules.c: the only file that names every module, in the order the
 * engine consults them (modules layer). configure can leave a module
 * out; the engine finds a location's module by name in this list.
 */
#include "sl_http_module.h"

#ifdef SL_HAVE_STATIC_MODULE
extern sl_http_module_t  sl_static_module;
#endif
#ifdef SL_HAVE_PROXY_MODULE
extern sl_http_module_t  sl_proxy_module;
#endif
#ifdef SL_HAVE_STATUS_MODULE
extern sl_http_module_t  sl_status_module;
#endif
#ifdef SL_HAVE_EXAMPLE_MODULE   /* only in the test binary of make check */
extern sl_http_module_t  sl_example_module;
#endif

sl_http_module_t *const  sl_http_modules[] = {
#ifdef SL_HAVE_STATIC_MODULE
    &sl_static_module,
#endif
#ifdef SL_HAVE_PROXY_MODULE
    &sl_proxy_module,
#endif
#ifdef SL_HAVE_STATUS_MODULE
    &sl_status_module,
#endif
#ifdef SL_HAVE_EXAMPLE_MODULE
    &sl_example_module,
#endif
    NULL
};

/* The engine keeps per-module arrays of SL_HTTP_MAX_MODULES entries. */
_Static_assert(sl_nelem(sl_http_modules) - 1 <= SL_HTTP_MAX_MODULES,
               "more modules than SL_HTTP_MAX_MODULES");
