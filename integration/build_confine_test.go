package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// put writes a file, making its directories.
func put(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, content)
}

// rmiLater removes an image when the test ends.
func rmiLater(t *testing.T, id string) {
	t.Cleanup(func() { exec.Command(berthBin, "--root", storeRoot, "rmi", "-f", id).Run() })
}

// hostSecret makes a host directory holding a file named secret whose
// content no image may ever hold.
func hostSecret(t *testing.T) (dir, secret string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "host")
	secret = "host-secret-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	put(t, filepath.Join(dir, "secret"), secret)
	return dir, secret
}

// TestBuildContextSymlinkConfined: a context symlink to a host directory
// resolves inside the context (docker's semantics), by name and by glob;
// the host's file never reaches the image.
func TestBuildContextSymlinkConfined(t *testing.T) {
	host, secret := hostSecret(t)
	ctx := t.TempDir()
	if err := os.Symlink(host, filepath.Join(ctx, "etcl")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../../.."+host+"/secret", filepath.Join(ctx, "up")); err != nil {
		t.Fatal(err)
	}
	for _, df := range []string{"COPY etcl/secret /s", "COPY etcl/* /g/", "COPY up /s", "COPY e*/s* /s"} {
		writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM busybox\n" + df + "\n"})
		r := berth(t, "build", "-q", "--network", "none", ctx)
		if r.code == 0 {
			rmiLater(t, strings.TrimSpace(r.stdout))
			t.Errorf("%s: built %s from a link to the host", df, strings.TrimSpace(r.stdout))
			continue
		}
		if !strings.Contains(r.stderr, "not found in the build context") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%s: stderr %q, want one line saying not found", df, r.stderr)
		}
	}
	// The context's own file of the link's target path is what it copies.
	put(t, filepath.Join(ctx, host, "secret"), "context-copy")
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM busybox\nCOPY etcl/secret /s\nCOPY etcl/* /g/\nCOPY up /u\n"})
	id := buildImage(t, ctx, "build-ctx-symlink")
	if got := inRun(t, id, "cat /s /g/* /u"); got != "context-copycontext-copycontext-copy" {
		t.Errorf("COPY through links = %q, want the context's copies (secret %q)", got, secret)
	}
}

// TestBuildCopyFromStageSymlinkConfined (issue #24 bug 1): a stage that
// plants a symlink to a host path cannot make COPY --from read the host.
// Both ways a stage is read are covered: a one-layer stage (its layer
// directory) and a stage of several layers (a read-only overlay).
func TestBuildCopyFromStageSymlinkConfined(t *testing.T) {
	host, secret := hostSecret(t)
	ctx := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ctx, "links"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(host, filepath.Join(ctx, "links", "esc")); err != nil {
		t.Fatal(err)
	}
	stages := map[string]string{
		"overlay":   "FROM busybox AS evil\nRUN ln -s " + host + " /esc\n",
		"one-layer": "FROM scratch AS evil\nCOPY links /\n",
	}
	for kind, evil := range stages {
		for _, cp := range []string{"COPY --from=evil /esc/secret /s", "COPY --from=evil /esc/* /g/"} {
			writeFiles(t, ctx, map[string]string{"Dockerfile": evil + "FROM busybox\n" + cp + "\n"})
			r := berth(t, "build", "-q", "--network", "none", ctx)
			if r.code == 0 {
				id := strings.TrimSpace(r.stdout)
				rmiLater(t, id)
				out := berth(t, "run", "--rm", "--network", "none", "--entrypoint", "", id, "sh", "-c", "cat /s /g/*")
				t.Errorf("%s stage, %s: built, image holds %q (host secret %q)", kind, cp, out.stdout, secret)
				continue
			}
			if !strings.Contains(r.stderr, "not found in the stage") {
				t.Errorf("%s stage, %s: stderr %q, want not found", kind, cp, r.stderr)
			}
		}
	}
	// A stage that has its own file at the link's target gives that one.
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM busybox AS evil\n" +
		"RUN ln -s " + host + " /esc && mkdir -p " + host + " && echo stage-copy > " + host + "/secret\n" +
		"FROM busybox\nCOPY --from=evil /esc/secret /s\n"})
	id := buildImage(t, ctx, "build-from-symlink")
	if got := inRun(t, id, "cat /s"); got != "stage-copy" {
		t.Errorf("COPY --from through a link = %q, want the stage's copy", got)
	}
}

// TestBuildCopyKeepsHardLinks (issue #24 bug 7): two names of one inode in
// the context are two names of one inode in the image.
func TestBuildCopyKeepsHardLinks(t *testing.T) {
	ctx := t.TempDir()
	put(t, filepath.Join(ctx, "d", "a"), "shared")
	if err := os.Link(filepath.Join(ctx, "d", "a"), filepath.Join(ctx, "d", "b")); err != nil {
		t.Fatal(err)
	}
	put(t, filepath.Join(ctx, "d", "c"), "shared")
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM busybox\nCOPY d /x\n"})
	id := buildImage(t, ctx, "build-hardlinks")
	out := strings.Fields(inRun(t, id, "stat -c '%i %h' /x/a /x/b /x/c"))
	if len(out) != 6 {
		t.Fatalf("stat = %q", out)
	}
	if out[0] != out[2] || out[1] != "2" || out[3] != "2" {
		t.Errorf("/x/a and /x/b: inode,links %s,%s and %s,%s; want one inode with 2 links", out[0], out[1], out[2], out[3])
	}
	if out[4] == out[0] || out[5] != "1" {
		t.Errorf("/x/c: inode %s links %s; want a file of its own", out[4], out[5])
	}
}
