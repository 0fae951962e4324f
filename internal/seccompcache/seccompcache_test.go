package seccompcache

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/berthdev/berth/internal/testutil"
)

// filter builds a small filter the way libcontainer does: architectures,
// attributes, plain and conditional rules.
func filter(t *testing.T, mkdirErrno int16) *libseccomp.ScmpFilter {
	t.Helper()
	f, err := buildFilter(mkdirErrno)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Release)
	return f
}

// buildFilter is filter for a process that has no *testing.T (the init
// child of init_test.go).
func buildFilter(mkdirErrno int16) (*libseccomp.ScmpFilter, error) {
	f, err := libseccomp.NewFilter(libseccomp.ActErrno.SetReturnCode(1))
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*libseccomp.ScmpFilter, error) { f.Release(); return nil, err }
	for _, a := range []string{"amd64", "x86"} {
		arch, err := libseccomp.GetArchFromString(a)
		if err != nil {
			return fail(err)
		}
		if err := f.AddArch(arch); err != nil {
			return fail(err)
		}
	}
	if err := f.SetNoNewPrivsBit(false); err != nil {
		return fail(err)
	}
	for _, name := range []string{"read", "write", "exit_group", "openat"} {
		sc, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			return fail(err)
		}
		if err := f.AddRule(sc, libseccomp.ActAllow); err != nil {
			return fail(err)
		}
	}
	sc, _ := libseccomp.GetSyscallFromName("mkdir")
	if err := f.AddRule(sc, libseccomp.ActErrno.SetReturnCode(mkdirErrno)); err != nil {
		return fail(err)
	}
	sc, _ = libseccomp.GetSyscallFromName("personality")
	cond, err := libseccomp.MakeCondition(0, libseccomp.CompareEqual, 8)
	if err != nil {
		return fail(err)
	}
	if err := f.AddRuleConditional(sc, libseccomp.ActAllow, []libseccomp.ScmpCondition{cond}); err != nil {
		return fail(err)
	}
	return f, nil
}

// export is what libcontainer's patchbpf does: ExportBPF into a pipe.
func export(t *testing.T, f *libseccomp.ScmpFilter) []byte {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); got <- b }()
	if err := f.ExportBPF(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return <-got
}

func fingerprint(t *testing.T, f *libseccomp.ScmpFilter) libseccomp.Fingerprint {
	t.Helper()
	fp, ok := f.Fingerprint()
	if !ok {
		t.Fatal("filter has no fingerprint")
	}
	return fp
}

func TestFingerprintFollowsEveryCall(t *testing.T) {
	a, b, c := filter(t, 38), filter(t, 38), filter(t, 13)
	if fingerprint(t, a) != fingerprint(t, b) {
		t.Error("the same calls gave different fingerprints")
	}
	if fingerprint(t, a) == fingerprint(t, c) {
		t.Error("a different errno for one rule gave the same fingerprint")
	}
	before := fingerprint(t, b)
	if err := b.SetOptimize(2); err != nil {
		testutil.Unavailable(t, "libseccomp without binary trees: %v", err)
	}
	if fingerprint(t, b) == before {
		t.Error("an attribute change left the fingerprint as it was")
	}
	if err := a.Merge(filter(t, 38)); err == nil {
		if _, ok := a.Fingerprint(); ok {
			t.Error("a merged filter kept a fingerprint")
		}
	}
}

func TestExportUsesOnlyAMatchingProgram(t *testing.T) {
	compiled := export(t, filter(t, 38))
	if len(compiled) == 0 || len(compiled)%8 != 0 {
		t.Fatalf("compiled program of %d bytes", len(compiled))
	}
	// Under Compile the program is captured for the filter's fingerprint
	// and the export itself fails, writing nothing.
	f := filter(t, 38)
	var wrote []byte
	var exportErr error
	fp, prog, err := libseccomp.Compile(func() error {
		wrote, exportErr = tryExport(f)
		return exportErr
	})
	if err != nil || !bytes.Equal(prog, compiled) || fp != fingerprint(t, f) {
		t.Fatalf("Compile = %d bytes for the right filter: %v, %v", len(prog), fp == fingerprint(t, f), err)
	}
	if !errors.Is(exportErr, libseccomp.ErrCompiledOnly) || len(wrote) != 0 {
		t.Fatalf("export under Compile wrote %d bytes, err %v; want nothing and ErrCompiledOnly", len(wrote), exportErr)
	}
	// Used on a hit: a registered program is written as it is, uncompiled.
	marker := bytes.Repeat([]byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f}, 3)
	libseccomp.UsePrecompiled(fingerprint(t, f), marker)
	if got := export(t, filter(t, 38)); !bytes.Equal(got, marker) {
		t.Fatalf("hit: wrote % x", got)
	}
	// Never for another filter, and never under Compile.
	if got := export(t, filter(t, 13)); bytes.Equal(got, marker) || len(got) == 0 {
		t.Fatalf("a different filter got the registered program")
	}
	if _, prog, _ := libseccomp.Compile(func() error { _, err := tryExport(filter(t, 38)); return err }); !bytes.Equal(prog, compiled) {
		t.Fatal("Compile captured the registered program instead of compiling")
	}
}

// tryExport is export that returns ExportBPF's error.
func tryExport(f *libseccomp.ScmpFilter) ([]byte, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); got <- b }()
	err = f.ExportBPF(w)
	w.Close()
	return <-got, err
}

// While a program is registered, rules wait in the filter; whatever needs
// the C filter as it is gets them first, so it sees an eager filter.
func TestKeptBackRulesReachLibseccompWhenNeeded(t *testing.T) {
	libseccomp.UsePrecompiled(libseccomp.Fingerprint{1}, make([]byte, 8))
	f := filter(t, 38)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); got <- b }()
	if err := f.ExportPFC(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if pfc := string(<-got); !bytes.Contains([]byte(pfc), []byte("mkdir")) || !bytes.Contains([]byte(pfc), []byte("personality")) {
		t.Fatalf("the pseudo filter lacks the kept-back rules:\n%s", pfc)
	}
	// A rule libseccomp refuses (the filter's default action) fails at
	// the export that needs it.
	g := filter(t, 38)
	sc, _ := libseccomp.GetSyscallFromName("mkdir")
	if err := g.AddRule(sc, libseccomp.ActErrno.SetReturnCode(1)); err != nil {
		t.Fatalf("kept back, the rule should be refused later, not now: %v", err)
	}
	r2, w2, _ := os.Pipe()
	go io.Copy(io.Discard, r2)
	if err := g.ExportBPF(w2); err == nil {
		t.Fatal("a refused rule went unnoticed")
	}
	w2.Close()
}
