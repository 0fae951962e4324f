package seccompcache

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/runc/libcontainer/configs"
	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/berthdev/berth/internal/testutil"
)

// filter builds a small filter the way libcontainer does: architectures,
// attributes, plain and conditional rules.
func filter(t *testing.T, mkdirErrno int16) *libseccomp.ScmpFilter {
	t.Helper()
	f, err := libseccomp.NewFilter(libseccomp.ActErrno.SetReturnCode(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Release)
	for _, a := range []string{"amd64", "x86"} {
		arch, err := libseccomp.GetArchFromString(a)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.AddArch(arch); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetNoNewPrivsBit(false); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"read", "write", "exit_group", "openat"} {
		sc, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.AddRule(sc, libseccomp.ActAllow); err != nil {
			t.Fatal(err)
		}
	}
	sc, _ := libseccomp.GetSyscallFromName("mkdir")
	if err := f.AddRule(sc, libseccomp.ActErrno.SetReturnCode(mkdirErrno)); err != nil {
		t.Fatal(err)
	}
	sc, _ = libseccomp.GetSyscallFromName("personality")
	cond, err := libseccomp.MakeCondition(0, libseccomp.CompareEqual, 8)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.AddRuleConditional(sc, libseccomp.ActAllow, []libseccomp.ScmpCondition{cond}); err != nil {
		t.Fatal(err)
	}
	return f
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
	// Kept on a miss: OnCompiled sees what ExportBPF wrote.
	var kept []byte
	var keptFor libseccomp.Fingerprint
	libseccomp.OnCompiled(func(fp libseccomp.Fingerprint, prog []byte) { keptFor, kept = fp, prog })
	defer libseccomp.OnCompiled(nil)
	f := filter(t, 38)
	if got := export(t, f); !bytes.Equal(got, compiled) || !bytes.Equal(kept, compiled) || keptFor != fingerprint(t, f) {
		t.Fatalf("miss: wrote %d bytes, kept %d for the right filter: %v", len(got), len(kept), keptFor == fingerprint(t, f))
	}
	// Used on a hit: a registered program is written as it is, uncompiled.
	marker := bytes.Repeat([]byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f}, 3)
	libseccomp.UsePrecompiled(fingerprint(t, f), marker)
	kept = nil
	if got := export(t, filter(t, 38)); !bytes.Equal(got, marker) || kept != nil {
		t.Fatalf("hit: wrote % x, compiled again: %v", got, kept != nil)
	}
	// Never for another filter.
	if got := export(t, filter(t, 13)); bytes.Equal(got, marker) || len(got) == 0 {
		t.Fatalf("a different filter got the registered program")
	}
}

func TestStageAndCommit(t *testing.T) {
	cache, run := t.TempDir(), t.TempDir()
	profile := &configs.Seccomp{DefaultAction: configs.Errno, Architectures: []string{"amd64"}}
	s := Stage(cache, run, profile)
	staged := filepath.Join(run, FileName)
	if b, err := os.ReadFile(staged); err != nil || len(b) != 0 {
		t.Fatalf("first stage: %q, %v; want an empty file for init to fill", b, err)
	}
	// What init writes back on a miss is kept for the next start.
	prog := append(bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{1}, 16)...)
	if err := os.WriteFile(staged, prog, 0o600); err != nil {
		t.Fatal(err)
	}
	s.Commit()
	Stage(cache, run, profile)
	if b, _ := os.ReadFile(staged); !bytes.Equal(b, prog) {
		t.Fatalf("second stage: % x, want the kept program", b)
	}
	// Another profile shares nothing; no profile stages nothing.
	Stage(cache, run, &configs.Seccomp{DefaultAction: configs.Allow})
	if b, _ := os.ReadFile(staged); len(b) != 0 {
		t.Fatal("another profile got the first one's program")
	}
	if Stage(cache, run, nil); fileExists(staged) {
		t.Fatal("a staged program left for a container without a profile")
	}
	// A malformed file is not kept.
	s = Stage(cache, run, &configs.Seccomp{DefaultAction: configs.Kill})
	os.WriteFile(staged, []byte("short"), 0o600)
	s.Commit()
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		t.Fatalf("cache holds %d programs, want 1", len(entries))
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

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
