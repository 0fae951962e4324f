package registry

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestUploadLimit: with the one upload slot taken by a manifest whose
// body is still coming, a blob upload is answered 429 TOOMANYREQUESTS,
// and accepted again once the slot is free.
func TestUploadLimit(t *testing.T) {
	reached := make(chan struct{}, 1)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached <- struct{}{}
		w.WriteHeader(http.StatusAccepted)
	})
	f := &front{next: next, uploads: make(chan struct{}, 1), stall: time.Minute}
	body, feed := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := httptest.NewRequest(http.MethodPut, "/v2/limit/a/manifests/v1", body)
		f.ServeHTTP(httptest.NewRecorder(), req)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for len(f.uploads) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the manifest PUT never took its upload slot")
		}
		time.Sleep(5 * time.Millisecond)
	}
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v2/limit/b/blobs/uploads/", nil))
	if rec.Code != http.StatusTooManyRequests || !contains(rec.Body.String(), "TOOMANYREQUESTS") {
		t.Errorf("POST with the slot taken = %d %s, want 429 TOOMANYREQUESTS", rec.Code, rec.Body)
	}
	feed.CloseWithError(io.ErrUnexpectedEOF) // the client goes away
	<-done
	rec = httptest.NewRecorder()
	f.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v2/limit/b/blobs/uploads/", nil))
	if rec.Code != http.StatusAccepted {
		t.Errorf("POST with the slot free = %d, want 202", rec.Code)
	}
	<-reached
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
