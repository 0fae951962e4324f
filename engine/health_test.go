package engine

import (
	"reflect"
	"testing"
	"time"

	"github.com/berthdev/berth/layers"
)

// TestEffectiveHealth: docker's merge of --health-* over the image's
// HEALTHCHECK, and what it refuses.
func TestEffectiveHealth(t *testing.T) {
	img := &layers.Healthcheck{Test: []string{"CMD", "true"}, Interval: time.Minute, Retries: 5}
	tests := []struct {
		name  string
		image *layers.Healthcheck
		opt   *HealthConfig
		want  *HealthConfig
		err   bool
	}{
		{"none anywhere", nil, nil, nil, false},
		{"the image's", img, nil, &HealthConfig{Test: []string{"CMD", "true"}, Interval: time.Minute, Retries: 5}, false},
		{"interval only", img, &HealthConfig{Interval: time.Second}, &HealthConfig{Test: []string{"CMD", "true"}, Interval: time.Second, Retries: 5}, false},
		{"test only", img, &HealthConfig{Test: []string{"CMD-SHELL", "x"}}, &HealthConfig{Test: []string{"CMD-SHELL", "x"}, Interval: time.Minute, Retries: 5}, false},
		{"turned off", img, &HealthConfig{Test: []string{"NONE"}}, &HealthConfig{Test: []string{"NONE"}, Interval: time.Minute, Retries: 5}, false},
		{"durations without a test", nil, &HealthConfig{Interval: time.Second}, nil, false},
		{"unknown test", nil, &HealthConfig{Test: []string{"RUN", "x"}}, nil, true},
		{"empty command", nil, &HealthConfig{Test: []string{"CMD-SHELL", " "}}, nil, true},
		{"too short", nil, &HealthConfig{Test: []string{"CMD", "x"}, Timeout: time.Microsecond}, nil, true},
		{"negative retries", nil, &HealthConfig{Test: []string{"CMD", "x"}, Retries: -1}, nil, true},
	}
	for _, tt := range tests {
		got, err := effectiveHealth(tt.image, tt.opt)
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: effectiveHealth = %+v, %v; want %+v (error %v)", tt.name, got, err, tt.want, tt.err)
		}
	}
	if runsHealth(&HealthConfig{Test: []string{"NONE"}}) || runsHealth(nil) || !runsHealth(&HealthConfig{Test: []string{"CMD", "x"}}) {
		t.Error("runsHealth")
	}
	if got := healthArgv(&HealthConfig{Test: []string{"CMD-SHELL", "a", "b"}}); !reflect.DeepEqual(got, []string{"/bin/sh", "-c", "a b"}) {
		t.Errorf("healthArgv(CMD-SHELL) = %q", got)
	}
}
