package integration

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// TestSaveLoadPipe: `berth save IMG | berth load` on one store, 50 times in
// a row. load used to hold the store lock while it read its input, and
// save needs the lock to open the store: they deadlocked about half the
// time until the lock timed out ("lock is locked by pid N (berth load)").
func TestSaveLoadPipe(t *testing.T) {
	t.Parallel()
	for i := range 50 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		save := exec.CommandContext(ctx, berthBin, "--root", storeRoot, "save", "busybox")
		load := exec.CommandContext(ctx, berthBin, "--root", storeRoot, "load", "-q")
		pipe, err := save.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		load.Stdin = pipe
		var saveErr, loadErr limitedBuffer
		save.Stderr, load.Stderr = &saveErr, &loadErr
		if err := save.Start(); err != nil {
			t.Fatal(err)
		}
		lerr := load.Run()
		serr := save.Wait()
		cancel()
		if serr != nil || lerr != nil {
			t.Fatalf("round %d: save: %v %s; load: %v %s", i, serr, saveErr.String(), lerr, loadErr.String())
		}
	}
}

// limitedBuffer keeps the first 4 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
