package registry

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"github.com/berthdev/berth/internal/atomicfile"
)

// maxHtpasswdSize bounds the htpasswd file read (a class is a few dozen
// users of ~70 bytes each).
const maxHtpasswdSize = 1 << 20

// AddUser sets name's password in the htpasswd file at path, creating it
// (mode 0600) if needed: a bcrypt hash, the one scheme distribution
// accepts. An existing user's line is replaced; other lines are kept.
func AddUser(path, name string, password []byte) error {
	if err := validUser(name); err != nil {
		return err
	}
	if len(password) == 0 {
		return errors.New("registry: empty password")
	}
	hash, err := bcrypt.GenerateFromPassword(password, bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("registry: user %q: %w", name, err)
	}
	var lines []string
	old, err := readLimited(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("registry: %w", err)
	default:
		for l := range strings.SplitSeq(strings.TrimRight(string(old), "\n"), "\n") {
			if u, _, _ := strings.Cut(strings.TrimSpace(l), ":"); u != name && l != "" {
				lines = append(lines, l)
			}
		}
	}
	lines = append(lines, name+":"+string(hash))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if err := atomicfile.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("registry: writing %s: %w", path, err)
	}
	return nil
}

// validUser accepts a user name that htpasswd and HTTP Basic auth carry
// unchanged: printable, no colon, no space.
func validUser(name string) error {
	if name == "" || len(name) > 128 {
		return fmt.Errorf("registry: user %q: a name is 1 to 128 characters", name)
	}
	for _, r := range name {
		if r == ':' || r == '#' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("registry: user %q: a name has no colon, '#', space or control character", name)
		}
	}
	return nil
}

// loadHtpasswd checks that path is an htpasswd file distribution can use
// (every entry a bcrypt hash) and returns its user names.
func loadHtpasswd(path string) ([]string, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("htpasswd file: %w", err)
	}
	var users []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		u, h, ok := strings.Cut(l, ":")
		if _, err := bcrypt.Cost([]byte(h)); !ok || err != nil {
			return nil, fmt.Errorf("htpasswd file %s: line %d is not user:bcrypt-hash (add users with `berth registry user add`)", path, n)
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("htpasswd file %s has no users (add one with `berth registry user add`)", path)
	}
	return users, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxHtpasswdSize+1))
	if err == nil && len(data) > maxHtpasswdSize {
		err = fmt.Errorf("%s is larger than %d bytes", path, maxHtpasswdSize)
	}
	return data, err
}
