package layers

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// writerEnv makes the test binary a writer of the store named by it (see
// TestHelperTempWriter), so that a test can kill a writer with -9.
const writerEnv = "BERTH_LAYERS_TEMP_WRITER"

// fifoLayer is the layer whose blob the snapshot writer unpacks: a FIFO,
// so that the unpack blocks while it holds its .tmp- directory.
var fifoLayer = Layer{Digest: "sha256:" + strings.Repeat("f", 64), ChainID: "sha256:" + strings.Repeat("c", 64)}

// TestHelperTempWriter is not a test: run by TestTempWritersHeld with
// writerEnv=KIND:ROOT, it writes into the store at ROOT from its stdin (a
// pipe the test keeps open), and so stays in the middle of its write until
// it is killed.
func TestHelperTempWriter(t *testing.T) {
	kind, root, ok := strings.Cut(os.Getenv(writerEnv), ":")
	if !ok {
		return
	}
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	switch kind {
	case "blob":
		_, _, err = (&txn{s: s}).writeBlob(os.Stdin, v1.Hash{}, -1, "blob")
	case "layer":
		_, err = (&txn{s: s}).writeLayer(os.Stdin, "layer")
	case "snapshot":
		_, err = s.snapshot(fifoLayer)
	}
	t.Fatalf("the %s writer ended: %v", kind, err)
}

// TestTempWritersHeld: each writer of a temporary entry (writeBlob's
// ingest/blob-*, writeLayer's ingest/layer-*, the snapshot unpack's
// snapshots/.tmp-*) holds it while it works: however old the entry is, an
// Open (which sweeps leftovers) and Check leave it alone. Once the writer
// is killed with -9, the kernel drops its lock and the next Open sweeps
// the entry.
func TestTempWritersHeld(t *testing.T) {
	for _, c := range []struct{ kind, prefix string }{
		{"blob", "ingest/blob-"},
		{"layer", "ingest/layer-"},
		{"snapshot", "snapshots/.tmp-"},
	} {
		t.Run(c.kind, func(t *testing.T) {
			root := t.TempDir()
			s, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			if c.kind == "snapshot" {
				h, _ := v1.NewHash(fifoLayer.Digest)
				if err := os.MkdirAll(filepath.Dir(s.blobPath(h)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := unix.Mkfifo(s.blobPath(h), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			stdin, feed, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer feed.Close()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperTempWriter$")
			cmd.Env = append(os.Environ(), writerEnv+"="+c.kind+":"+root)
			cmd.Stdin = stdin
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stdin.Close()
			defer func() { cmd.Process.Kill(); cmd.Wait() }()
			if c.kind == "layer" {
				// A tar entry begun and not finished: the writer has
				// made its temporary blob and waits for the rest.
				var buf bytes.Buffer
				tw := tar.NewWriter(&buf)
				tw.WriteHeader(&tar.Header{Name: "big", Mode: 0o644, Size: 1 << 20, Typeflag: tar.TypeReg})
				tw.Write(make([]byte, 8192))
				feed.Write(buf.Bytes())
			}
			entry := waitEntry(t, root, c.prefix)

			later(t, 2*tmpGrace)
			if _, err := Open(root); err != nil {
				t.Fatal(err)
			}
			if c.kind != "snapshot" { // Check would hash the FIFO blob
				if ps := s.Check(nil); len(ps) != 0 {
					t.Errorf("check reports a live writer's entry: %v", ps)
				}
			}
			if _, err := os.Lstat(entry); err != nil {
				t.Fatalf("a live %s writer's entry was swept: %v", c.kind, err)
			}

			cmd.Process.Signal(unix.SIGKILL)
			cmd.Wait()
			if _, err := os.Lstat(entry); err != nil {
				t.Fatalf("the killed writer removed its own entry (it was not killed mid-write): %v", err)
			}
			if _, err := Open(root); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(entry); !os.IsNotExist(err) {
				t.Errorf("a killed %s writer's entry survived Open: %v", c.kind, err)
			}
		})
	}
}

// waitEntry waits for the one entry of root whose path starts with prefix
// to be held by its writer (an instant after it is created).
func waitEntry(t *testing.T, root, prefix string) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(root, prefix+"*")); len(m) == 1 && held(m[0]) {
			return m[0]
		}
	}
	t.Fatalf("no held %s* entry appeared", prefix)
	return ""
}
