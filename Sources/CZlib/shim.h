// zlib for Swift: gzip reading (gzopen/gzread, which also read uncompressed files as they are) and crc32.
// Nothing to wrap yet: every function used is a plain C function that Swift imports directly.
#include <zlib.h>
