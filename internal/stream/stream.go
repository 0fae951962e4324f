// Package stream is the framing spoken on a shim's attach socket. Each frame
// is an 8-byte header, [kind, 0, 0, 0, length as big-endian uint32], then the
// payload; the layout of docker's stdcopy, with a few more kinds:
//
//	shim -> client: Stdout, Stderr, Exit (payload: the decimal exit code)
//	client -> shim: Stdin, CloseStdin, Resize (payload: "rows cols")
package stream

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Kind says what a frame carries.
type Kind byte

const (
	Stdin      Kind = 0
	Stdout     Kind = 1
	Stderr     Kind = 2
	Exit       Kind = 3
	Resize     Kind = 4
	CloseStdin Kind = 5
)

// MaxPayload bounds one frame, so a confused peer cannot make us allocate much.
const MaxPayload = 1 << 20

// Writer writes frames; it is safe for concurrent use.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter frames writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteFrame writes one frame.
func (w *Writer) WriteFrame(k Kind, p []byte) error {
	for len(p) > MaxPayload {
		if err := w.WriteFrame(k, p[:MaxPayload]); err != nil {
			return err
		}
		p = p[MaxPayload:]
	}
	var hdr [8]byte
	hdr[0] = byte(k)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(p)))
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.w.Write(p)
	return err
}

// StreamWriter returns an io.Writer that sends everything written as frames of kind k.
func (w *Writer) StreamWriter(k Kind) io.Writer { return kindWriter{w, k} }

type kindWriter struct {
	w *Writer
	k Kind
}

func (kw kindWriter) Write(p []byte) (int, error) {
	if err := kw.w.WriteFrame(kw.k, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// ReadFrame reads one frame from r.
func ReadFrame(r io.Reader) (Kind, []byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[4:])
	if n > MaxPayload {
		return 0, nil, fmt.Errorf("attach stream: frame of %d bytes exceeds %d", n, MaxPayload)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	return Kind(hdr[0]), p, nil
}

// EncodeSize and DecodeSize carry a terminal size in a Resize frame.
func EncodeSize(rows, cols uint16) []byte { return []byte(fmt.Sprintf("%d %d", rows, cols)) }

// DecodeSize parses a Resize payload.
func DecodeSize(p []byte) (rows, cols uint16, err error) {
	f := strings.Fields(string(p))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("attach stream: bad resize payload %q", p)
	}
	r, err1 := strconv.ParseUint(f[0], 10, 16)
	c, err2 := strconv.ParseUint(f[1], 10, 16)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("attach stream: bad resize payload %q", p)
	}
	return uint16(r), uint16(c), nil
}
