package seccompcache

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	libseccomp "github.com/seccomp/libseccomp-golang"
)

// A kept program, in the cache and staged for init:
//
//	magic    8 bytes  "BERTHBPF"
//	version  1 byte   1
//	fp      32 bytes  the filter's fingerprint (libseccomp-golang)
//	digest  32 bytes  sha256 of fp and program together
//	program           raw BPF, 8-byte instructions, as libseccomp exports it
//
// The digest binds the program to the fingerprint: a program cut short,
// damaged, or swapped for another (a one-instruction "allow" put beside a
// real fingerprint) no longer matches it and is never registered. It is a
// check against damage, not a signature: the cache directory is root's
// alone, and whoever can write it can write the berth binary too.
const (
	magic      = "BERTHBPF"
	version    = 1
	headerSize = len(magic) + 1 + 2*sha256.Size
	// maxInsns bounds a program: the kernel loads at most BPF_MAXINSNS
	// (4096) instructions per filter.
	maxInsns = 4096
	// maxFileSize bounds what is read of a kept file.
	maxFileSize = headerSize + 8*maxInsns
)

// errBadProgram is any kept program that does not decode.
var errBadProgram = errors.New("not a kept seccomp program")

// encode returns the file for program prog compiled for fingerprint fp.
func encode(fp libseccomp.Fingerprint, prog []byte) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	b.WriteByte(version)
	b.Write(fp[:])
	d := digest(fp, prog)
	b.Write(d[:])
	b.Write(prog)
	return b.Bytes()
}

// decode checks a kept file and returns its fingerprint and program.
func decode(data []byte) (libseccomp.Fingerprint, []byte, error) {
	var fp libseccomp.Fingerprint
	if len(data) < headerSize || string(data[:len(magic)]) != magic || data[len(magic)] != version {
		return fp, nil, fmt.Errorf("%w: bad header", errBadProgram)
	}
	prog := data[headerSize:]
	if n := len(prog); n == 0 || n%8 != 0 || n/8 > maxInsns {
		return fp, nil, fmt.Errorf("%w: program of %d bytes", errBadProgram, n)
	}
	copy(fp[:], data[len(magic)+1:])
	if d := digest(fp, prog); !bytes.Equal(d[:], data[len(magic)+1+len(fp):headerSize]) {
		return fp, nil, fmt.Errorf("%w: digest mismatch", errBadProgram)
	}
	return fp, prog, nil
}

func digest(fp libseccomp.Fingerprint, prog []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(fp[:])
	h.Write(prog)
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}
