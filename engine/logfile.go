package engine

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	units "github.com/docker/go-units"

	"github.com/berthdev/berth/internal/errdefs"
)

// LogConfig is --log-driver and --log-opt (docker's HostConfig.LogConfig).
// Drivers: json-file (the default; no rotation unless max-size is set),
// local (json-file lines with rotation on by default, 20 MiB x 5, rotated
// files compressed) and none (nothing is kept; logs cannot be read).
type LogConfig struct {
	Type   string            `json:"Type"`
	Config map[string]string `json:"Config"`
}

// logPolicy is a LogConfig checked and with defaults filled in.
type logPolicy struct {
	none     bool
	maxSize  int64 // 0: never rotate
	maxFiles int   // files kept, the current one included
	compress bool
}

// parseLogConfig checks the driver and its options as docker does.
func parseLogConfig(c LogConfig) (logPolicy, error) {
	p := logPolicy{maxFiles: 1}
	allowed := map[string]bool{"max-size": true, "max-file": true, "compress": true}
	switch c.Type {
	case "", "json-file":
	case "local":
		p = logPolicy{maxSize: 20 << 20, maxFiles: 5, compress: true}
	case "none":
		if len(c.Config) > 0 {
			return p, fmt.Errorf("the none log driver takes no options: %w", errdefs.ErrInvalid)
		}
		return logPolicy{none: true}, nil
	default:
		return p, fmt.Errorf("log driver %q: berth has json-file, local and none: %w", c.Type, errdefs.ErrInvalid)
	}
	for k, v := range c.Config {
		if !allowed[k] {
			return p, fmt.Errorf("unknown log opt '%s' for %s log driver: %w", k, firstNonEmpty(c.Type, "json-file"), errdefs.ErrInvalid)
		}
		switch k {
		case "max-size":
			n, err := units.RAMInBytes(v)
			if err != nil || n < 1 {
				return p, fmt.Errorf("log opt max-size %q: %w", v, errdefs.ErrInvalid)
			}
			p.maxSize = n
		case "max-file":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, fmt.Errorf("log opt max-file %q: must be a number of 1 or more: %w", v, errdefs.ErrInvalid)
			}
			p.maxFiles = n
		case "compress":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return p, fmt.Errorf("log opt compress %q: %w", v, errdefs.ErrInvalid)
			}
			p.compress = b
		}
	}
	if _, set := c.Config["max-file"]; set && p.maxSize == 0 {
		return p, fmt.Errorf("max-file cannot be set without max-size: %w", errdefs.ErrInvalid)
	}
	return p, nil
}

// rotatedName is the i-th older file of log (1 is the newest rotated).
func rotatedName(log string, i int, compress bool) string {
	n := log + "." + strconv.Itoa(i)
	if compress {
		n += ".gz"
	}
	return n
}

// logFile is the shim's writer of a container's log: whole lines, rotated
// when the next line would pass maxSize.
type logFile struct {
	mu   sync.Mutex
	path string
	p    logPolicy
	f    *os.File
	size int64
}

func openLogFile(path string, p logPolicy) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &logFile{path: path, p: p, f: f, size: st.Size()}, nil
}

func (l *logFile) Write(line []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.p.maxSize > 0 && l.size > 0 && l.size+int64(len(line)) > l.p.maxSize {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(line)
	l.size += int64(n)
	return n, err
}

// rotate shifts log.N-1 to log.N (the oldest beyond max-file goes), log
// to log.1 (compressed for compress), and starts an empty log. A reader
// following the old file reads it to its end (logs -f reopens by name).
func (l *logFile) rotate() error {
	if err := l.f.Close(); err != nil {
		return err
	}
	keep := l.p.maxFiles - 1
	if keep <= 0 {
		os.Remove(l.path)
	} else {
		os.Remove(rotatedName(l.path, keep, l.p.compress))
		for i := keep - 1; i >= 1; i-- {
			os.Rename(rotatedName(l.path, i, l.p.compress), rotatedName(l.path, i+1, l.p.compress))
		}
		if l.p.compress {
			if err := gzipTo(l.path, rotatedName(l.path, 1, true)); err != nil {
				return err
			}
			os.Remove(l.path)
		} else if err := os.Rename(l.path, rotatedName(l.path, 1, false)); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	l.f, l.size = f, 0
	return nil
}

func (l *logFile) Close() error { return l.f.Close() }

// gzipTo writes src compressed to dst, through a temporary file.
func gzipTo(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(out)
	_, err = io.Copy(zw, bufio.NewReader(in))
	if err == nil {
		err = zw.Close()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// rotatedLogs are the rotated files of log, oldest first, each opened for
// reading (decompressed where compressed). close closes them all.
func rotatedLogs(log string, p logPolicy) (readers []io.Reader, close func()) {
	var closers []io.Closer
	for i := max(p.maxFiles-1, 0); i >= 1; i-- {
		f, err := os.Open(rotatedName(log, i, p.compress))
		if err != nil {
			continue
		}
		closers = append(closers, f)
		if p.compress {
			zr, err := gzip.NewReader(f)
			if err != nil {
				continue
			}
			readers = append(readers, zr)
			continue
		}
		readers = append(readers, f)
	}
	return readers, func() {
		for _, c := range closers {
			c.Close()
		}
	}
}

// openContainerLog is where the shim writes r's output: log.jsonl, rotated
// as its LogConfig says, or nowhere for the none driver.
func (e *Engine) openContainerLog(r *record) (io.WriteCloser, error) {
	p, err := parseLogConfig(r.Host.LogConfig)
	if err != nil {
		return nil, err
	}
	if p.none {
		return nopWriteCloser{io.Discard}, nil
	}
	return openLogFile(filepath.Join(e.containerDir(r.ID), "log.jsonl"), p)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
