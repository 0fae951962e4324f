package layers

import (
	"os"
	"testing"
)

// BenchmarkLoadAnalyze is bench/layers' work in one process, for pprof:
// load the archive named by BERTH_BENCH_ARCHIVE (bench/layers/gen writes
// one) into a fresh store, then analyse it as `berth layers --ci` does.
//
//	go run ./bench/layers/gen -o /tmp/image.tar
//	BERTH_BENCH_ARCHIVE=/tmp/image.tar go test -tags seccomp -run X \
//	  -bench LoadAnalyze -cpuprofile cpu.out -memprofile mem.out ./layers
func BenchmarkLoadAnalyze(b *testing.B) {
	archive := benchArchive(b)
	for i := 0; i < b.N; i++ {
		s, img := loadArchive(b, archive)
		if _, err := s.Analyze(img, AnalyzeOptions{}); err != nil {
			b.Fatalf("Analyze = %v", err)
		}
	}
}

// BenchmarkAnalyzeStored is `berth layers --ci` on an image already in the
// store, its file lists cached (warm) or not (cold: each run reads the
// blobs), for pprof as BenchmarkLoadAnalyze.
func BenchmarkAnalyzeStored(b *testing.B) {
	s, img := loadArchive(b, benchArchive(b))
	for _, cold := range []bool{false, true} {
		b.Run(map[bool]string{false: "warm", true: "cold"}[cold], func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if cold {
					b.StopTimer()
					for _, l := range img.Layers {
						os.Remove(s.indexFile(l, false))
					}
					b.StartTimer()
				}
				if _, err := s.Analyze(img, AnalyzeOptions{}); err != nil {
					b.Fatalf("Analyze = %v", err)
				}
			}
		})
	}
}

// benchArchive is the archive BERTH_BENCH_ARCHIVE names; the benchmark
// skips without one.
func benchArchive(b *testing.B) string {
	archive := os.Getenv("BERTH_BENCH_ARCHIVE")
	if archive == "" {
		b.Skip("BERTH_BENCH_ARCHIVE unset (go run ./bench/layers/gen -o FILE)")
	}
	return archive
}

// loadArchive loads archive into a new store and resolves its first image.
func loadArchive(b *testing.B, archive string) (*Store, *Image) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(archive)
	if err != nil {
		b.Fatal(err)
	}
	names, err := s.Load(f)
	f.Close()
	if err != nil {
		b.Fatalf("Load = %v", err)
	}
	img, err := s.Resolve(names[0])
	if err != nil {
		b.Fatal(err)
	}
	return s, img
}
