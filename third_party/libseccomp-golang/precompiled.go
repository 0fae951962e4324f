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
//
// Compile captures the program a build compiles without letting anything it
// exports be loaded: berth compiles a profile that way in a process of its
// own, which no container can reach, and keeps only what that process gives.

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
	progs map[Fingerprint][]byte
	// compiling is set by Compile: ExportBPF compiles, hands the program
	// here and fails with ErrCompiledOnly instead of writing it.
	compiling *compiled
}

// compiled is what Compile captured.
type compiled struct {
	fp   Fingerprint
	prog []byte
	ok   bool
}

// compileMu serialises Compile: at most one build captures at a time.
var compileMu sync.Mutex

// ErrCompiledOnly is the error every ExportBPF returns while Compile runs:
// the program was compiled and captured, not written. A caller that would
// load what it exported (libcontainer's patchbpf) therefore never loads.
var ErrCompiledOnly = errors.New("seccomp: program compiled for keeping, not exported")

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

// Compile runs build, which builds a filter and exports it (libcontainer's
// seccomp.InitSeccomp, say), and returns the program libseccomp compiled at
// the first ExportBPF of a filter with a fingerprint, with that
// fingerprint. While build runs, every ExportBPF in the process compiles
// (registered programs are not used), writes nothing and returns
// ErrCompiledOnly; an export of a filter without a fingerprint returns an
// error too. So nothing build exports can be loaded, whatever build does
// with it. build's own error is ignored when a program was captured.
func Compile(build func() error) (Fingerprint, []byte, error) {
	compileMu.Lock()
	defer compileMu.Unlock()
	c := &compiled{}
	precompiled.Lock()
	precompiled.compiling = c
	precompiled.Unlock()
	err := build()
	precompiled.Lock()
	precompiled.compiling = nil
	precompiled.Unlock()
	if !c.ok {
		if err == nil {
			err = errors.New("seccomp: the build exported no program")
		}
		return Fingerprint{}, nil, err
	}
	return c.fp, c.prog, nil
}

// Fingerprint returns the filter's fingerprint; false when it has none
// (a filter merged from another one).
func (f *ScmpFilter) Fingerprint() (Fingerprint, bool) {
	f.lock.Lock()
	defer f.lock.Unlock()
	return f.trail.fingerprint()
}

// exportBPF writes the precompiled program for f's fingerprint to file, or
// compiles with export (libseccomp writing to an fd); under Compile it
// captures the compiled program instead of writing it. The caller holds
// f.lock.
func (f *ScmpFilter) exportBPF(file *os.File, export func(fd uintptr) error) error {
	fp, ok := f.trail.fingerprint()
	precompiled.Lock()
	prog, found := precompiled.progs[fp]
	capture := precompiled.compiling
	precompiled.Unlock()
	if capture == nil && ok && found {
		_, err := file.Write(prog)
		return err
	}
	if err := f.flushPending(); err != nil {
		return err
	}
	if capture == nil {
		return export(file.Fd())
	}
	if !ok {
		return errors.New("seccomp: a filter without a fingerprint cannot be kept")
	}
	// Compile through a pipe, so that the program can be captured.
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
	precompiled.Lock()
	if !capture.ok {
		capture.fp, capture.prog, capture.ok = fp, prog, true
	}
	precompiled.Unlock()
	return ErrCompiledOnly
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
