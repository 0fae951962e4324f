package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// emitHelperEnv makes the test binary an event writer (see TestMain):
// "ROOT WRITER COUNT MAX".
const emitHelperEnv = "BERTH_TEST_EMIT"

func TestMain(m *testing.M) {
	if args := strings.Fields(os.Getenv(emitHelperEnv)); len(args) == 4 {
		count, _ := strconv.Atoi(args[2])
		max, _ := strconv.ParseInt(args[3], 10, 64)
		emitSeq(&Engine{root: args[0], eventsMax: max}, args[1], count)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// seqEvent is event i of writer w; every one marshals to the same length.
func seqEvent(w string, i int) Event {
	return Event{Type: "container", Action: "start", Actor: EventActor{ID: fmt.Sprintf("%s-%06d", w, i), Attributes: map[string]string{"name": "n"}}}
}

func emitSeq(e *Engine, w string, n int) {
	for i := 0; i < n; i++ {
		e.emit(seqEvent(w, i))
	}
}

// readAll is every event the log still holds, in order.
func readAll(t *testing.T, e *Engine) []Event {
	t.Helper()
	var out []Event
	if err := e.Events(context.Background(), EventFilter{}, func(ev Event) error {
		out = append(out, ev)
		return nil
	}); err != nil {
		t.Fatalf("Events() = %v", err)
	}
	return out
}

// checkSeqs checks that events are in time order and that each writer's
// events are a run of its sequence, each once, in order, ending at its
// last (all of them when whole; a writer done before the history kept
// may have none).
func checkSeqs(t *testing.T, evs []Event, count map[string]int, whole bool) {
	t.Helper()
	next := map[string]int{}
	var last int64
	for _, ev := range evs {
		if ev.TimeNano < last {
			t.Fatalf("event %s at %d after one at %d", ev.Actor.ID, ev.TimeNano, last)
		}
		last = ev.TimeNano
		w, num, _ := strings.Cut(ev.Actor.ID, "-")
		i, _ := strconv.Atoi(num)
		want, seen := next[w]
		if !seen && !whole {
			want = i
		}
		if i != want {
			t.Fatalf("writer %s: event %d where %d was due", w, i, want)
		}
		next[w] = i + 1
	}
	for w, n := range count {
		if _, seen := next[w]; (seen || whole) && next[w] != n {
			t.Errorf("writer %s: log ends at event %d, want %d", w, next[w], n)
		}
	}
}

func lineLen(t *testing.T) int64 {
	ev := seqEvent("a", 0)
	ev.Time, ev.TimeNano = time.Now().Unix(), time.Now().UnixNano()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(b) + 1)
}

func TestEventsRotate(t *testing.T) {
	e := &Engine{root: t.TempDir(), eventsMax: 20 * lineLen(t)}
	emitSeq(e, "a", 95)
	checkSeqs(t, readAll(t, e), map[string]int{"a": 95}, false)
	cur, err1 := os.Stat(filepath.Join(e.root, "events.jsonl"))
	prev, err2 := os.Stat(filepath.Join(e.root, "events.jsonl.1"))
	if err1 != nil || err2 != nil {
		t.Fatalf("Stat = %v, %v", err1, err2)
	}
	// 95 = 4 rotated files of 20, then 15 in the current one.
	if l := lineLen(t); cur.Size() != 15*l || prev.Size() != 20*l {
		t.Errorf("sizes %d and %d, want %d and %d", cur.Size(), prev.Size(), 15*l, 20*l)
	}
}

// Goroutines stand for processes: each append opens the file itself, and
// flock locks belong to the open file.
func TestEventsConcurrentWritersRotate(t *testing.T) {
	e := &Engine{root: t.TempDir(), eventsMax: 32 << 10}
	count := map[string]int{"a": 400, "b": 400, "c": 400, "d": 400}
	var wg sync.WaitGroup
	for w, n := range count {
		wg.Add(1)
		go func() { defer wg.Done(); emitSeq(e, w, n) }()
	}
	wg.Wait()
	evs := readAll(t, e)
	if max := int(2 * e.eventsMax / lineLen(t)); len(evs) > max+1 {
		t.Errorf("log holds %d events, want at most %d", len(evs), max+1)
	}
	checkSeqs(t, evs, count, false)
}

// Two processes write across one rotation (the log is sized so that it
// keeps everything): every event is there exactly once, in order.
func TestEventsConcurrentProcessesRotate(t *testing.T) {
	root := t.TempDir()
	const n = 500
	max := 2 * n * lineLen(t) * 6 / 10
	var cmds []*exec.Cmd
	for _, w := range []string{"p", "q"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d %d", emitHelperEnv, root, w, n, max))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer: %v", err)
		}
	}
	e := &Engine{root: root, eventsMax: max}
	if _, err := os.Stat(filepath.Join(root, "events.jsonl.1")); err != nil {
		t.Fatalf("no rotation: %v", err)
	}
	checkSeqs(t, readAll(t, e), map[string]int{"p": n, "q": n}, true)
}

func TestEventsSinceUntilAcrossFiles(t *testing.T) {
	e := &Engine{root: t.TempDir(), eventsMax: 30 * lineLen(t)}
	emitSeq(e, "a", 50) // 30 in events.jsonl.1, 20 in events.jsonl
	all := readAll(t, e)
	if len(all) != 50 {
		t.Fatalf("log holds %d events, want 50", len(all))
	}
	ids := func(evs []Event) string {
		var s []string
		for _, ev := range evs {
			s = append(s, ev.Actor.ID)
		}
		return strings.Join(s, " ")
	}
	for _, c := range []struct {
		name     string
		from, to int // indexes of all; to < 0: no Until
		want     []Event
	}{
		{"since in previous file", 10, -1, all[10:]},
		{"since at the rotation", 30, -1, all[30:]},
		{"since in current file", 42, -1, all[42:]},
		{"since and until across", 25, 34, all[25:35]},
		{"until in previous file", 0, 5, all[0:6]},
	} {
		f := EventFilter{Since: all[c.from].When()}
		if c.to >= 0 {
			f.Until = all[c.to].When()
		}
		var got []Event
		if err := e.Events(context.Background(), f, func(ev Event) error { got = append(got, ev); return nil }); err != nil {
			t.Fatalf("%s: Events() = %v", c.name, err)
		}
		if ids(got) != ids(c.want) {
			t.Errorf("%s: Events() = %s, want %s", c.name, ids(got), ids(c.want))
		}
	}
	var got []Event
	e.Events(context.Background(), EventFilter{Since: all[49].When().Add(time.Nanosecond)}, func(ev Event) error { got = append(got, ev); return nil })
	if len(got) != 0 {
		t.Errorf("Events(since after the last) = %s", ids(got))
	}
}

// A follower gets every event once, in order, across many rotations, as
// long as it is less than a file behind.
func TestEventsFollowAcrossRotation(t *testing.T) {
	l := lineLen(t)
	e := &Engine{root: t.TempDir(), eventsMax: 12 * l}
	emitSeq(e, "old", 30) // history it must not see
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got []Event
	done := make(chan error, 1)
	since := time.Now()
	go func() {
		done <- e.Events(ctx, EventFilter{Since: since, Follow: true}, func(ev Event) error {
			mu.Lock()
			got = append(got, ev)
			mu.Unlock()
			return nil
		})
	}()
	const batch, batches = 5, 40 // a rotation every 12 lines: about 16 of them
	for b := 0; b < batches; b++ {
		for i := 0; i < batch; i++ {
			e.emit(seqEvent("a", b*batch+i))
		}
		waitFor(t, 5*time.Second, fmt.Sprintf("the follower to read batch %d", b), func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got) >= (b+1)*batch
		})
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Events(follow) = %v", err)
	}
	checkSeqs(t, got, map[string]int{"a": batch * batches}, true)
}

// A follower from now sees nothing written before it started.
func TestEventsFollowFromNow(t *testing.T) {
	e := &Engine{root: t.TempDir(), eventsMax: 10 * lineLen(t)}
	emitSeq(e, "old", 15)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan Event, 100)
	done := make(chan error, 1)
	go func() {
		done <- e.Events(ctx, EventFilter{Follow: true}, func(ev Event) error { got <- ev; return nil })
	}()
	// The follower may open the log before or after these; keep writing
	// new ones until one arrives, then check it is not history.
	deadline := time.Now().Add(5 * time.Second)
	var first Event
wait:
	for i := 0; ; i++ {
		e.emit(seqEvent("new", i))
		select {
		case first = <-got:
			break wait
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the follower read nothing")
		}
	}
	cancel()
	<-done
	if !strings.HasPrefix(first.Actor.ID, "new-") {
		t.Errorf("Events(follow) began with %s, history", first.Actor.ID)
	}
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", within, what)
		}
	}
}

// seekTime never skips a line at or after its time, and stops within a
// probe of it.
func TestSeekTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lines")
	var b strings.Builder
	const n = 20000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "{\"timeNano\":%d,\"pad\":\"%s\"}\n", 1000+i*10, strings.Repeat("x", i%40))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, at := range []int64{0, 999, 1000, 1005, 50000, 100000, 1000 + (n-1)*10, 1000 + n*10, 1 << 40} {
		if err := seekTime(f, time.Unix(0, at), eventTime); err != nil {
			t.Fatalf("seekTime(%d) = %v", at, err)
		}
		var skipped int64
		first := int64(-1)
		readLines(context.Background(), f, nil, func(line []byte) error {
			tm, _ := eventTime(line)
			if tm.UnixNano() >= at {
				first = tm.UnixNano()
				return errStopReading
			}
			skipped += int64(len(line))
			return nil
		})
		want := int64(-1)
		if at <= 1000+(n-1)*10 {
			want = max(1000, (at+9)/10*10)
		}
		if first != want {
			t.Errorf("seekTime(%d): first line at or after it is %d, want %d", at, first, want)
		}
		if skipped > probeSize+100 {
			t.Errorf("seekTime(%d): %d bytes before the line", at, skipped)
		}
	}
}

// BenchmarkEventsFollowStart is the cost of starting to follow a log of
// each size: from now (berth events), from a moment ago (the TUI), and,
// for scale, from its first event. The first two stay flat as the history
// grows; only the last reads it all.
func BenchmarkEventsFollowStart(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		root := b.TempDir()
		e := &Engine{root: root, eventsMax: 1 << 40}
		var buf strings.Builder
		const gap = 100 * time.Millisecond // a busy store's pace
		start := time.Now().Add(-time.Duration(n) * gap)
		for i := 0; i < n; i++ {
			ev := seqEvent("a", i)
			at := start.Add(time.Duration(i) * gap)
			ev.Time, ev.TimeNano = at.Unix(), at.UnixNano()
			line, _ := json.Marshal(ev)
			buf.Write(append(line, '\n'))
		}
		if err := os.WriteFile(filepath.Join(root, "events.jsonl"), []byte(buf.String()), 0o600); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Events returns once it has caught up
		for _, m := range []struct {
			name  string
			since time.Time
		}{{"now", time.Time{}}, {"since-1s", time.Now().Add(-time.Second)}, {"since-start", start}} {
			b.Run(fmt.Sprintf("%s/events=%d", m.name, n), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if err := e.Events(ctx, EventFilter{Since: m.since, Follow: true}, func(Event) error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkEmit is the cost of one event to the operation that emits it.
func BenchmarkEmit(b *testing.B) {
	e := &Engine{root: b.TempDir()}
	for i := 0; i < b.N; i++ {
		e.emit(seqEvent("a", i))
	}
}
