// libjpeg-turbo for Swift, through its TurboJPEG API only: every call returns an error code and leaves the
// message on its handle. libjpeg's own API exits the process on an error unless the caller recovers with
// setjmp/longjmp, which cannot cross Swift frames; TurboJPEG does that recovery inside the library.
// Nothing to wrap: every function used is a plain C function that Swift imports directly.
#include <turbojpeg.h>
