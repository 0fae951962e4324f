package rootlessns

/*
#cgo CFLAGS: -Wall
extern void berth_rootless_join(void);
void __attribute__((constructor)) berth_rootless_init(void) { berth_rootless_join(); }
*/
import "C"
