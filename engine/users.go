package engine

import (
	"os"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// passwdNames maps UIDs to names from a root filesystem's /etc/passwd.
func passwdNames(rootfs string) map[int]string {
	out := map[int]string{}
	p, err := securejoin.SecureJoin(rootfs, "/etc/passwd")
	if err != nil {
		return out
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 3 {
			if uid, err := strconv.Atoi(f[2]); err == nil {
				if _, dup := out[uid]; !dup {
					out[uid] = f[0]
				}
			}
		}
	}
	return out
}
