package registry

import (
	"fmt"
	"io"
	"net/http"
	"syscall"
	"time"
)

// accessLog writes one line per request to w (none for io.Discard).
func accessLog(w io.Writer, next http.Handler) http.Handler {
	if w == io.Discard {
		return next
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		fmt.Fprintf(w, "%s %s %s %s %d %d %s\n", start.UTC().Format(time.RFC3339), r.RemoteAddr, r.Method, r.URL.RequestURI(), sw.status, sw.n, time.Since(start).Round(time.Millisecond))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }
func (s *statusWriter) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.n += int64(n)
	return n, err
}
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// restrictUmask makes what this process creates from now on readable by
// its user only (0700 directories, 0600 files). The registry's storage
// driver asks for 0777 and 0666; `berth registry serve` and `gc` are
// processes of their own, so the process-wide mask is theirs to set.
func restrictUmask() { syscall.Umask(0o077) }
