// The system zlib (Debian's zlib1g-dev), for Sources/Zlib's Swift wrappers.
#pragma once
#include <zlib.h>

// deflateInit2 and inflateInit2 are macros (they pass ZLIB_VERSION and sizeof(z_stream) so the
// library can check the header it was compiled against), which Swift cannot call.

/// deflateInit2 with zlib's defaults, as zlib.compress and compress2 use them: 8 (DEF_MEM_LEVEL)
/// for memLevel and the default strategy; `window_bits` 15 writes a zlib stream, 16 + 15 gzip.
static inline int czlib_deflate_init(z_streamp stream, int level, int window_bits) {
  return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}

/// inflateInit2: `window_bits` 15 reads a zlib stream, 16 + 15 a gzip member.
static inline int czlib_inflate_init(z_streamp stream, int window_bits) {
  return inflateInit2(stream, window_bits);
}
