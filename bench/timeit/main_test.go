package main

import "testing"

func TestMergeRounds(t *testing.T) {
	rs := mergeRounds([]result{
		summarize("berth", "berth run", []float64{10, 30}),
		summarize("runc", "runc run", []float64{20}),
		summarize("berth", "berth run", []float64{20}),
		{Key: "old", Label: "no samples", N: 3, MedianMS: 5},
		{Key: "old", Label: "no samples", N: 3, MedianMS: 7},
	})
	if len(rs) != 3 || rs[0].Key != "berth" || rs[1].Key != "runc" || rs[2].Key != "old" {
		t.Fatalf("keys in first-seen order: %+v", rs)
	}
	if b := rs[0]; b.N != 3 || b.MedianMS != 20 || b.MinMS != 10 || b.MaxMS != 30 {
		t.Errorf("berth over all its runs: %+v", b)
	}
	if rs[2].MedianMS != 5 {
		t.Errorf("lines without runs keep the first: %+v", rs[2])
	}
	if m := summarize("x", "x", []float64{4, 1, 3, 2}).MedianMS; m != 2.5 {
		t.Errorf("even median %v, want 2.5", m)
	}
}
