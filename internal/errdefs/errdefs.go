// Package errdefs holds berth's small set of error classes. Every error that
// reaches a user wraps one of them with context naming the object, so the CLI
// can pick docker's exit code and print one lowercase line:
//
//	fmt.Errorf("container %q: %w", name, errdefs.ErrNotFound)
package errdefs

import (
	"errors"
	"strings"
)

var (
	// ErrNotFound: the named object (image, container, layer) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a name or ID is already taken.
	ErrAlreadyExists = errors.New("already exists")
	// ErrInvalid: bad input from the user: a flag value, a reference, a tarball.
	ErrInvalid = errors.New("invalid argument")
	// ErrFailedPrecondition: the object is in the wrong state for the request
	// (exec into a stopped container, removing an image in use).
	ErrFailedPrecondition = errors.New("failed precondition")
	// ErrUnavailable: a resource is busy or held by another process (the store lock).
	ErrUnavailable = errors.New("unavailable")
	// ErrPermission: the operation needs privileges the caller lacks.
	ErrPermission = errors.New("permission denied")
)

// Is reports whether err belongs to class.
func Is(err, class error) bool { return errors.Is(err, class) }

// Text is err's message without the trailing word of the class it wraps
// ("...: invalid argument"), for where the class cannot travel (a shim's
// report) and the message already says what went wrong. "not found" stays:
// messages are written to end with it.
func Text(err error) string {
	s := err.Error()
	for _, c := range []error{ErrInvalid, ErrFailedPrecondition, ErrAlreadyExists, ErrUnavailable, ErrPermission} {
		if errors.Is(err, c) {
			s = strings.TrimSuffix(s, ": "+c.Error())
		}
	}
	return s
}
