/*
 * sl_http_variable.c: the variables modules provide (http layer): each
 * module lists its own in sl_http_module_t.variables, so the engine (the
 * access log today) names none of them and a module's request state stays
 * in its own context. Looked up by name when a configuration is loaded;
 * the request path only calls the getter it found.
 */
#include "sl_http.h"


const sl_http_variable_t *
sl_http_variable_find(const u_char *name, size_t len)
{
    const sl_http_variable_t  *v;
    sl_uint_t                  i;

    for (i = 0; sl_http_modules[i]; i++) {
        for (v = sl_http_modules[i]->variables; v && v->name; v++) {
            if (strlen(v->name) == len && memcmp(v->name, name, len) == 0) {
                return v;
            }
        }
    }
    return NULL;
}
