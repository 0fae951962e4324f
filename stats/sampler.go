package stats

import (
	"sync"
	"time"
)

// Sampler keeps a ring buffer of recent readings per container, for graphs
// and for `berth stats`. It samples only the containers someone watches,
// and only while at least one is watched: each round reads a few cgroup
// files per container (paths are found once per container, not per round).
//
//	s := stats.NewSampler(locate, time.Second, 60)  // e.NewSampler(time.Second, 60)
//	stop, err := s.Watch("web")
//	defer stop()
//	for range s.C() { draw(s.Samples(id)) }
type Sampler struct {
	locate   Locate
	interval time.Duration
	size     int
	notify   chan struct{}

	mu      sync.Mutex
	series  map[string]*series // by container ID
	running bool
	quit    chan struct{}
}

type series struct {
	watchers int
	src      *Target
	ring     []ContainerStats // len <= size; next is the oldest once full
	next     int
	err      error
}

// NewSampler makes a sampler that reads every interval (the default is one
// second) and keeps size readings per container (the default is 60).
func NewSampler(locate Locate, interval time.Duration, size int) *Sampler {
	if interval <= 0 {
		interval = time.Second
	}
	if size <= 0 {
		size = 60
	}
	return &Sampler{locate: locate, interval: interval, size: size, notify: make(chan struct{}, 1), series: map[string]*series{}}
}

// C receives after each round of sampling (it holds at most one pending
// notice, so a slow reader sees the latest round, not a backlog).
func (s *Sampler) C() <-chan struct{} { return s.notify }

// Watch starts sampling a running container, with a first reading at
// once, and returns its ID and a func that stops watching. Watching the
// same container twice shares one series.
func (s *Sampler) Watch(ref string) (id string, stop func(), err error) {
	r, err := s.locate(ref)
	if err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	se, ok := s.series[r.ID]
	if !ok {
		se = &series{src: &r}
		s.series[r.ID] = se
	}
	se.watchers++
	if !s.running {
		s.running = true
		s.quit = make(chan struct{})
		go s.loop(s.quit)
	}
	s.mu.Unlock()
	if !ok {
		s.sampleOne(r.ID, se)
	}
	var once sync.Once
	return r.ID, func() { once.Do(func() { s.unwatch(r.ID) }) }, nil
}

func (s *Sampler) unwatch(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.series[id]
	if se == nil {
		return
	}
	if se.watchers--; se.watchers <= 0 {
		delete(s.series, id)
	}
	if len(s.series) == 0 && s.running {
		s.running = false
		close(s.quit)
	}
}

// Close stops all sampling.
func (s *Sampler) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.series = map[string]*series{}
	if s.running {
		s.running = false
		close(s.quit)
	}
}

func (s *Sampler) loop(quit chan struct{}) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
		}
		s.mu.Lock()
		ids := make(map[string]*series, len(s.series))
		for id, se := range s.series {
			ids[id] = se
		}
		s.mu.Unlock()
		for id, se := range ids {
			s.sampleOne(id, se)
		}
		select {
		case s.notify <- struct{}{}:
		default:
		}
	}
}

// sampleOne takes a reading and appends it, with rates against the last.
func (s *Sampler) sampleOne(id string, se *series) {
	s.mu.Lock()
	src := se.src
	s.mu.Unlock()
	var cur *ContainerStats
	var err error
	if src == nil {
		src, err = s.sourceFor(id)
	}
	if err == nil {
		if cur, err = Read(*src); err != nil {
			// The container may have restarted with new cgroup paths.
			if src, err = s.sourceFor(id); err == nil {
				cur, err = Read(*src)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	se.src, se.err = src, err
	if err != nil {
		return
	}
	se.push(cur, s.size)
}

// push appends a reading, with rates against the previous one, dropping
// the oldest once size are kept.
func (se *series) push(cur *ContainerStats, size int) {
	if last, ok := se.latest(); ok {
		Rate(&last, cur)
	}
	if len(se.ring) < size {
		se.ring = append(se.ring, *cur)
		return
	}
	se.ring[se.next] = *cur
	se.next = (se.next + 1) % size
}

// ordered is the readings, oldest first.
func (se *series) ordered() []ContainerStats {
	out := make([]ContainerStats, 0, len(se.ring))
	out = append(out, se.ring[se.next:]...)
	return append(out, se.ring[:se.next]...)
}

func (s *Sampler) sourceFor(id string) (*Target, error) {
	t, err := s.locate(id)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func (se *series) latest() (ContainerStats, bool) {
	if len(se.ring) == 0 {
		return ContainerStats{}, false
	}
	i := se.next - 1 // next moves only once the ring is full
	if i < 0 {
		i = len(se.ring) - 1
	}
	return se.ring[i], true
}

// Samples returns a watched container's readings, oldest first, and the
// error of the last attempt (the container stopped, say), nil if it worked.
func (s *Sampler) Samples(id string) ([]ContainerStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.series[id]
	if se == nil {
		return nil, nil
	}
	return se.ordered(), se.err
}

// Latest is a watched container's newest reading.
func (s *Sampler) Latest(id string) (ContainerStats, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.series[id]
	if se == nil {
		return ContainerStats{}, false, nil
	}
	st, ok := se.latest()
	return st, ok, se.err
}
