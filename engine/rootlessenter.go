package engine

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/idmap"
	"github.com/berthdev/berth/internal/rootlessns"
)

// PauseCommand is the hidden verb of the process that holds a rootless
// user's namespaces (PauseMain).
const PauseCommand = "rootless-pause"

// pauseFile, in the rootless run base, names the pause process: "PID START"
// (START: its start time in clock ticks, /proc/PID/stat field 22, so a
// reused pid is not taken for it).
const pauseFile = "pause.pid"

// EnterRootless, for a caller that is not root, checks the store and run
// directories with the caller's own credentials, starts or finds the
// user's pause process, and re-executes berth with the same arguments
// inside its user and mount namespaces; it returns only on error. For
// root, or inside the namespace already, it returns nil at once. root is
// the store asked for ("" for the default).
func EnterRootless(root string) error {
	if os.Geteuid() == 0 {
		return nil
	}
	uid := os.Getuid()
	name := strconv.Itoa(uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	for _, tool := range []string{"newuidmap", "newgidmap"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("rootless berth needs %s (Debian package uidmap), not found on PATH: ask an administrator to install uidmap (scripts/deps.sh): %w", tool, errdefs.ErrFailedPrecondition)
		}
	}
	uids, gids, err := subIDs(idmap.DefaultFiles, name, uid)
	if err != nil {
		return err
	}
	if root == "" {
		root = DefaultStore()
	}
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	// The checks root's berth makes (storedir.go), made here with the
	// user's real credentials: inside the namespace, every uid but the
	// user's and the range reads as the overflow uid.
	outer := owners{self: uint32(uid), ancestors: []uint32{0}}
	base := rootlessRunBase(uid)
	for _, d := range []struct{ what, dir string }{{"store", root}, {"run directory", base}, {"run directory", rootlessRunRoot(uid, root)}} {
		if err := walkDir(d.dir, true, outer); err != nil {
			return fmt.Errorf("%s %s: %w", d.what, d.dir, err)
		}
	}
	pid, err := pauseProcess(base, uid, uids, gids)
	if err != nil {
		return err
	}
	return joinPause(pid)
}

// pauseProcess is the pid of the user's pause process, started if none
// runs. The lock file serialises two first commands.
func pauseProcess(base string, uid int, uids, gids idmap.Range) (int, error) {
	lock, err := os.OpenFile(filepath.Join(base, "pause.lock"), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return 0, fmt.Errorf("rootless: %w", err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return 0, fmt.Errorf("rootless: locking %s: %w", lock.Name(), err)
	}
	if pid, ok := livePause(base, uid); ok {
		return pid, nil
	}
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	go2, child, err := os.Pipe() // berth -> pause: maps written
	if err != nil {
		return 0, err
	}
	status, statusW, err := os.Pipe() // pause -> berth: "ok" or why not
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(self, PauseCommand)
	cmd.Stdin = go2
	cmd.ExtraFiles = []*os.File{statusW}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS, Setsid: true}
	err = cmd.Start()
	go2.Close()
	statusW.Close()
	defer status.Close()
	defer child.Close()
	if err != nil {
		return 0, fmt.Errorf("rootless: starting the namespace's process: %w", err)
	}
	pid := cmd.Process.Pid
	fail := func(err error) (int, error) {
		cmd.Process.Kill()
		cmd.Wait()
		return 0, err
	}
	for _, m := range []struct {
		tool string
		id   int
		r    idmap.Range
	}{{"newuidmap", uid, uids}, {"newgidmap", os.Getgid(), gids}} {
		args := []string{strconv.Itoa(pid), "0", strconv.Itoa(m.id), "1", "1", strconv.FormatUint(uint64(m.r.Start), 10), strconv.FormatUint(uint64(m.r.Size), 10)}
		if out, err := exec.Command(m.tool, args...).CombinedOutput(); err != nil {
			return fail(fmt.Errorf("rootless: %s %s: %s", m.tool, strings.Join(args, " "), firstLine(out, err)))
		}
	}
	child.Write([]byte{1})
	child.Close()
	msg, _ := io.ReadAll(io.LimitReader(status, 4096))
	if string(msg) != "ok" {
		return fail(fmt.Errorf("rootless: the namespace's process: %s", strings.TrimSpace(string(msg))))
	}
	start := inspect.StartTime(pid)
	if start == 0 {
		return fail(fmt.Errorf("rootless: the namespace's process %d ended", pid))
	}
	if err := atomicfile.WriteFile(filepath.Join(base, pauseFile), []byte(fmt.Sprintf("%d %d\n", pid, start)), 0o600); err != nil {
		return fail(err)
	}
	cmd.Process.Release()
	return pid, nil
}

// livePause is the recorded pause process, when it still runs as the
// same process and is the user's.
func livePause(base string, uid int) (int, bool) {
	data, err := os.ReadFile(filepath.Join(base, pauseFile))
	if err != nil {
		return 0, false
	}
	var pid int
	var start uint64
	if _, err := fmt.Sscanf(string(data), "%d %d", &pid, &start); err != nil || pid <= 1 {
		return 0, false
	}
	if !inspect.Alive(pid, start) { // gone, a zombie, or the pid reused
		return 0, false
	}
	var st unix.Stat_t
	if unix.Stat("/proc/"+strconv.Itoa(pid), &st) != nil || st.Uid != uint32(uid) {
		return 0, false
	}
	return pid, true
}

// joinPause re-executes berth with descriptors of the pause process's user
// and mount namespaces, which the C constructor joins (package rootlessns).
func joinPause(pid int) error {
	var fds []string
	for _, ns := range []string{"user", "mnt"} {
		fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, ns), unix.O_RDONLY, 0) // no O_CLOEXEC: for the new image
		if err != nil {
			return fmt.Errorf("rootless: opening the namespace of process %d: %w", pid, err)
		}
		fds = append(fds, strconv.Itoa(fd))
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env := append(os.Environ(), rootlessns.JoinEnv+"="+strings.Join(fds, ","))
	return fmt.Errorf("rootless: re-executing %s: %w", self, unix.Exec(self, os.Args, env))
}

// PauseMain is the pause process: it waits for its maps, says whether it
// is root in its namespace, and then sleeps for ever, keeping the user and
// mount namespaces (and the overlay mounts the shims make in them) alive
// between commands.
func PauseMain() int {
	status := os.NewFile(3, "status")
	var b [1]byte
	if _, err := os.Stdin.Read(b[:]); err != nil {
		return 1
	}
	if os.Getuid() != 0 || os.Getgid() != 0 {
		fmt.Fprintf(status, "uid %d gid %d in the namespace, not 0: the maps were not written", os.Getuid(), os.Getgid())
		return 1
	}
	status.Write([]byte("ok"))
	status.Close()
	if null, err := os.Open(os.DevNull); err == nil {
		unix.Dup2(int(null.Fd()), 0)
		null.Close()
	}
	signal.Ignore(unix.SIGHUP, unix.SIGINT, unix.SIGPIPE, unix.SIGQUIT, unix.SIGTSTP)
	for {
		unix.Pause()
	}
}

func firstLine(out []byte, err error) string {
	s := strings.TrimSpace(string(out))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return err.Error()
	}
	return s
}
