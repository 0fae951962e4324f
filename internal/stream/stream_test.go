package stream

import (
	"bytes"
	"testing"
)

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	big := bytes.Repeat([]byte("x"), MaxPayload+10)
	w.WriteFrame(Stdout, []byte("out"))
	w.StreamWriter(Stderr).Write([]byte("err"))
	w.WriteFrame(Resize, EncodeSize(24, 80))
	w.WriteFrame(Stdin, big)
	for _, want := range []struct {
		k Kind
		n int
	}{{Stdout, 3}, {Stderr, 3}, {Resize, 5}, {Stdin, MaxPayload}, {Stdin, 10}} {
		k, p, err := ReadFrame(&buf)
		if err != nil || k != want.k || len(p) != want.n {
			t.Fatalf("ReadFrame = %v %d %v, want %v %d", k, len(p), err, want.k, want.n)
		}
		if k == Resize {
			if r, c, err := DecodeSize(p); r != 24 || c != 80 || err != nil {
				t.Errorf("DecodeSize = %d %d %v", r, c, err)
			}
		}
	}
	// A header claiming more than MaxPayload is refused, not allocated.
	bad := []byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}
	if _, _, err := ReadFrame(bytes.NewReader(bad)); err == nil {
		t.Error("oversized frame accepted")
	}
}
