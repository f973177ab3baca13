// libpng for Swift, through its simplified png_image API only: the classic API reports errors with
// setjmp/longjmp, which Swift cannot survive. Function-like macros are wrapped as inline functions because
// Swift imports only plain constant macros.
#include <png.h>

// A png_image ready for png_image_begin_read_* or png_image_write_*: zeroed, with its version set.
static inline png_image digits_png_image(void) {
    png_image image = {0};
    image.version = PNG_IMAGE_VERSION;
    return image;
}

// Bytes png_image_finish_read needs for `image` in its current format, rows packed.
static inline size_t digits_png_image_size(const png_image *image) {
    return PNG_IMAGE_SIZE(*image);
}

// True when libpng reported an error (not merely a warning) on `image`.
static inline int digits_png_image_failed(const png_image *image) {
    return (image->warning_or_error & PNG_IMAGE_ERROR) != 0;
}
