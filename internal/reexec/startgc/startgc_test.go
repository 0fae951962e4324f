package startgc

import (
	"math"
	"os"
	"runtime/metrics"
	"testing"
	"time"
)

func read(name string) int64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// The test binary links this package, so its init ran: after the window
// the process collects as Go's defaults say (GOGC 100, no memory limit);
// a start-up setting that stayed would leave every long-lived shim and
// the workbench without a collector.
func TestStartGCRestored(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT set: the defaults are not what is restored")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		gogc, limit := read("/gc/gogc:percent"), read("/gc/gomemlimit:bytes")
		if gogc == 100 && limit == math.MaxInt64 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the start window: GOGC %d, memory limit %d; want 100 and no limit", gogc, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
