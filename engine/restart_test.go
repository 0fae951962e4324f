package engine

import (
	"testing"
	"time"
)

func TestParseRestartPolicy(t *testing.T) {
	for in, want := range map[string]RestartPolicy{
		"": {Name: "no"}, "no": {Name: "no"}, "always": {Name: "always"}, "unless-stopped": {Name: "unless-stopped"},
		"on-failure": {Name: "on-failure"}, "on-failure:5": {Name: "on-failure", MaximumRetryCount: 5},
	} {
		if got, err := ParseRestartPolicy(in); err != nil || got != want {
			t.Errorf("%q: %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"sometimes", "always:3", "on-failure:-1", "on-failure:x", "no:1"} {
		if _, err := ParseRestartPolicy(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestShouldRestart(t *testing.T) {
	of3 := RestartPolicy{Name: "on-failure", MaximumRetryCount: 3}
	cases := []struct {
		p       RestartPolicy
		code, n int
		stop    bool
		want    bool
	}{
		{RestartPolicy{Name: "no"}, 1, 0, false, false},
		{RestartPolicy{Name: "always"}, 0, 9, false, true},
		{RestartPolicy{Name: "always"}, 137, 0, true, false},
		{RestartPolicy{Name: "unless-stopped"}, 0, 0, false, true},
		{of3, 0, 0, false, false},
		{of3, 1, 2, false, true},
		{of3, 1, 3, false, false},
		{RestartPolicy{Name: "on-failure"}, 1, 100, false, true},
	}
	for _, c := range cases {
		if got := shouldRestart(c.p, c.code, c.n, c.stop); got != c.want {
			t.Errorf("%+v code %d count %d stop %v: %v", c.p, c.code, c.n, c.stop, got)
		}
	}
}

func TestBackoff(t *testing.T) {
	var b backoff
	var got []time.Duration
	for i := 0; i < 12; i++ {
		got = append(got, b.next(time.Second))
	}
	if got[0] != 100*time.Millisecond || got[1] != 200*time.Millisecond || got[3] != 800*time.Millisecond || got[11] != time.Minute {
		t.Errorf("back-off: %v", got)
	}
	if d := b.next(10 * time.Second); d != 100*time.Millisecond {
		t.Errorf("after a 10 s run: %v", d)
	}
}
