// Precompiled programs: berth's addition to libseccomp-golang.
//
// Compiling a filter as large as docker's default profile (three
// architectures, ~370 system calls) takes libseccomp 2.5 about 25 ms, and
// libcontainer does it inside every container's init, on the critical path of
// every start and exec. The result depends only on the calls that built the
// filter, so it can be kept: each filter records a transcript of every call
// that shaped it (its fingerprint), and ExportBPF writes a program registered
// for that fingerprint instead of compiling. A program is used only when the
// fingerprint of the filter being exported equals the one it was compiled
// for, so a stale or foreign program is never loaded: it just misses.

package seccomp

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"os"
	"runtime"
	"sync"
)

// While a precompiled program is registered, rules are not given to
// libseccomp as they are added (that alone costs ~4 ms for docker's
// profile) but kept in the filter: an export that finds its program never
// needs them, and anything else that needs the C filter as it is first
// hands them over (flushPending), in order, so that it sees what an
// eager filter would. An error a rule would have had then comes from that
// call instead.

// Fingerprint identifies the program a filter compiles to.
type Fingerprint [sha256.Size]byte

var precompiled struct {
	sync.Mutex
	progs    map[Fingerprint][]byte
	compiled func(Fingerprint, []byte)
}

// UsePrecompiled registers prog (the raw BPF a filter with fingerprint fp
// exports) so that ExportBPF writes it instead of compiling.
func UsePrecompiled(fp Fingerprint, prog []byte) {
	precompiled.Lock()
	defer precompiled.Unlock()
	if precompiled.progs == nil {
		precompiled.progs = make(map[Fingerprint][]byte)
	}
	precompiled.progs[fp] = prog
}

// OnCompiled sets fn to be called with every program ExportBPF compiles
// for a filter with a fingerprint, so that it can be kept (nil: none).
func OnCompiled(fn func(Fingerprint, []byte)) {
	precompiled.Lock()
	defer precompiled.Unlock()
	precompiled.compiled = fn
}

// Fingerprint returns the filter's fingerprint; false when it has none
// (a filter merged from another one).
func (f *ScmpFilter) Fingerprint() (Fingerprint, bool) {
	f.lock.Lock()
	defer f.lock.Unlock()
	return f.trail.fingerprint()
}

// exportBPF writes the precompiled program for f's fingerprint to file, or
// compiles with export (libseccomp writing to an fd) and hands the result to
// the OnCompiled function. The caller holds f.lock.
func (f *ScmpFilter) exportBPF(file *os.File, export func(fd uintptr) error) error {
	fp, ok := f.trail.fingerprint()
	precompiled.Lock()
	prog, found := precompiled.progs[fp]
	keep := precompiled.compiled
	precompiled.Unlock()
	if ok && found {
		_, err := file.Write(prog)
		return err
	}
	if err := f.flushPending(); err != nil {
		return err
	}
	if !ok || keep == nil {
		return export(file.Fd())
	}
	// Compile through a pipe first, so that the program can be kept.
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	read := make(chan error, 1)
	go func() {
		var err error
		prog, err = io.ReadAll(r)
		read <- err
	}()
	err = export(w.Fd())
	w.Close()
	if rerr := <-read; err == nil {
		err = rerr
	}
	if err != nil {
		return err
	}
	if len(prog) == 0 || len(prog)%8 != 0 {
		return errors.New("libseccomp exported a malformed BPF program")
	}
	if _, err := file.Write(prog); err != nil {
		return err
	}
	keep(fp, prog)
	return nil
}

// The operations a transcript records.
const (
	opBegin uint64 = iota + 1
	opArchAdd
	opArchRemove
	opAttr
	opRule
	opPriority
	opTxStart
	opTxReject
	opTxCommit
)

// transcript hashes every call that shaped a filter, in order, after what
// else decides the program: the library's version, its API level and the
// native architecture.
type transcript struct {
	h      hash.Hash
	opaque bool
}

func (t *transcript) begin(defaultAction uint64) {
	t.h, t.opaque = sha256.New(), false
	major, minor, micro := GetLibraryVersion()
	api, _ := GetAPI()
	io.WriteString(t.h, "libseccomp-golang transcript 1 "+runtime.GOARCH)
	t.add(uint64(major), uint64(minor), uint64(micro), uint64(api))
	t.add(opBegin, defaultAction)
}

func (t *transcript) add(words ...uint64) {
	if t.h == nil {
		t.opaque = true // a filter this package did not make
		return
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(len(words)))
	t.h.Write(b[:])
	for _, w := range words {
		binary.LittleEndian.PutUint64(b[:], w)
		t.h.Write(b[:])
	}
}

func (t *transcript) rule(call ScmpSyscall, action ScmpAction, exact bool, conds []ScmpCondition) {
	e := uint64(0)
	if exact {
		e = 1
	}
	t.add(opRule, uint64(uint32(int32(call))), uint64(action), e, uint64(len(conds)))
	for _, c := range conds {
		t.add(uint64(c.Argument), uint64(c.Op), c.Operand1, c.Operand2)
	}
}

func (t *transcript) fingerprint() (Fingerprint, bool) {
	var fp Fingerprint
	if t.h == nil || t.opaque {
		return fp, false
	}
	copy(fp[:], t.h.Sum(nil))
	return fp, true
}

// pendingRule is a rule added to a filter but not yet to libseccomp.
type pendingRule struct {
	call   ScmpSyscall
	action ScmpAction
	exact  bool
	conds  []ScmpCondition
}

// deferring reports whether f keeps its rules back: a program is
// registered, and f has a fingerprint it could match.
func deferring(f *ScmpFilter) bool {
	if f.trail.h == nil || f.trail.opaque {
		return false
	}
	precompiled.Lock()
	defer precompiled.Unlock()
	return len(precompiled.progs) > 0
}

// flushPending gives f's kept-back rules to libseccomp. The caller holds
// f.lock.
func (f *ScmpFilter) flushPending() error {
	for len(f.pending) > 0 {
		r := f.pending[0]
		f.pending = f.pending[1:]
		if err := f.addRuleLocked(r.call, r.action, r.exact, r.conds); err != nil {
			f.pending = nil
			return err
		}
	}
	f.pending = nil
	return nil
}
