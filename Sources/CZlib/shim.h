#include <zlib.h>

// inflateInit2 and deflateInit2 are macros (they pass the library version and the stream
// size for a run-time check), which Swift cannot call: one fixed wrapper each.
static inline int czlib_inflate_init(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

static inline int czlib_deflate_init(z_stream *stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
