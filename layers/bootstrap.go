package layers

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// BootstrapRef is the name Bootstrap gives its image.
const BootstrapRef = "docker.io/library/busybox:latest"

// bootstrapEpoch is the fixed time of every file and of the config, so the
// same busybox binary always gives the same image ID.
var bootstrapEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Bootstrap builds busybox:latest from a static busybox binary on the host
// (Debian's busybox-static installs /bin/busybox): the binary, one hard link
// per applet, and a minimal /etc. The result is deterministic, and
// bootstrapping again is a no-op returning the same image.
func (s *Store) Bootstrap(busybox string) (*Image, error) {
	out, err := exec.Command(busybox, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("listing busybox applets (%s --list-full): %w", busybox, err)
	}
	banner, _ := exec.Command(busybox).Output() // exits 1 after printing it
	version := bannerVersion(string(banner))
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeBusyboxTree(pw, busybox, strings.Fields(string(out)))) }()
	defer pr.CloseWithError(io.ErrClosedPipe)
	cf := &v1.ConfigFile{
		Architecture: runtime.GOARCH,
		OS:           "linux",
		Created:      v1.Time{Time: bootstrapEpoch},
		Config: v1.Config{
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Cmd: []string{"sh"},
		},
		RootFS:  v1.RootFS{Type: "layers"},
		History: []v1.History{{Created: v1.Time{Time: bootstrapEpoch}, CreatedBy: "berth bootstrap: busybox-static " + version}},
	}
	t := &txn{s: s}
	img, err := func() (*Image, error) {
		l, err := t.writeLayer(pr, "busybox layer from "+busybox)
		if err != nil {
			return nil, err
		}
		cf.RootFS.DiffIDs = []v1.Hash{l.diffID}
		return t.commitImage(cf, []v1.Descriptor{l.desc}, []string{BootstrapRef})
	}()
	if err != nil {
		t.rollback()
		return nil, err
	}
	return img, nil
}

// bannerVersion is the version in busybox's banner line:
// "BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary." gives
// "1.35.0 (Debian 1:1.35.0-4+b3)".
func bannerVersion(banner string) string {
	line, _, _ := strings.Cut(banner, "\n")
	line = strings.TrimPrefix(strings.TrimSpace(line), "BusyBox v")
	line, _, _ = strings.Cut(line, " multi-call")
	if line == "" {
		return "unknown"
	}
	return line
}

// writeBusyboxTree writes the busybox root filesystem, sorted, with fixed
// times and root ownership.
func writeBusyboxTree(w io.Writer, busybox string, applets []string) error {
	bin, err := os.Open(busybox)
	if err != nil {
		return err
	}
	defer bin.Close()
	fi, err := bin.Stat()
	if err != nil {
		return err
	}
	files := map[string]*tar.Header{}
	dir := func(name string, mode int64) {
		files[name] = &tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode}
	}
	text := func(name, content string) {
		files[name] = &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(content)), PAXRecords: map[string]string{"berth.content": content}}
	}
	for _, d := range []string{"bin", "dev", "etc", "home", "proc", "root", "sys", "usr", "usr/bin", "usr/sbin", "sbin", "var", "var/spool", "var/spool/mail", "var/www"} {
		dir(d, 0o755)
	}
	files["root"].Mode = 0o700
	dir("tmp", 0o1777)
	text("etc/passwd", "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nsys:x:3:3:sys:/dev:/bin/false\nsync:x:4:100:sync:/bin:/bin/sync\nmail:x:8:8:mail:/var/spool/mail:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\noperator:x:37:37:Operator:/var:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n")
	text("etc/group", "root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nwheel:x:10:root\nmail:x:12:\nwww-data:x:33:\noperator:x:37:\nstaff:x:50:\nusers:x:100:\nnogroup:x:65534:\n")
	text("etc/shadow", "root:*::0:::::\ndaemon:*::0:::::\nbin:*::0:::::\nsys:*::0:::::\nsync:*::0:::::\nmail:*::0:::::\nwww-data:*::0:::::\noperator:*::0:::::\nnobody:*::0:::::\n")
	files["etc/shadow"].Mode = 0o640
	files["bin/busybox"] = &tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: fi.Size()}
	for _, a := range applets {
		a = path.Clean(strings.TrimPrefix(a, "/"))
		if a == "bin/busybox" || strings.HasPrefix(a, "..") {
			continue
		}
		for d := path.Dir(a); d != "."; d = path.Dir(d) {
			if files[d] == nil {
				dir(d, 0o755)
			}
		}
		files[a] = &tar.Header{Typeflag: tar.TypeLink, Name: a, Linkname: "bin/busybox", Mode: 0o755}
	}
	// Sorted, with the hard links last: bin/busybox must precede them.
	var names, links []string
	for n, h := range files {
		if h.Typeflag == tar.TypeLink {
			links = append(links, n)
		} else {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	sort.Strings(links)
	names = append(names, links...)
	tw := tar.NewWriter(w)
	for _, n := range names {
		h := files[n]
		content, isText := h.PAXRecords["berth.content"]
		h.PAXRecords = nil
		h.ModTime, h.Format = bootstrapEpoch, tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		switch {
		case isText:
			io.WriteString(tw, content)
		case n == "bin/busybox":
			if _, err := io.Copy(tw, bin); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}
